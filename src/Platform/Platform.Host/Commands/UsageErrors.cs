using System.CommandLine;
using System.Text.RegularExpressions;

namespace Platform.Host.Commands;

/// <summary>Reports command-line usage errors: one line each, in the user's terms, then where to find help; exit code 2.</summary>
internal static partial class UsageErrors
{
    public const int ExitCode = 2;

    /// <summary>Writes the parse errors and returns <see cref="ExitCode"/>.</summary>
    public static int Report(ParseResult parsed, TextWriter error)
    {
        foreach (var problem in parsed.Errors)
        {
            error.WriteLine(Describe(problem.Message));
        }

        var names = new List<string> { "platform" };
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (result.Command is not RootCommand)
            {
                names.Insert(1, result.Command.Name);
            }
        }

        error.WriteLine($"Run '{string.Join(' ', names)} --help' for usage.");
        return ExitCode;
    }

    /// <summary>Rewrites the parser's conversion message, which names .NET types, into what the option needs.</summary>
    internal static string Describe(string message)
    {
        var match = ConversionError().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var type = match.Groups["type"].Value;
        var expected = type switch
        {
            _ when type.Contains("Int", StringComparison.Ordinal) => "a whole number",
            _ when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) => "a number",
            _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ => "a valid value",
        };
        return $"{match.Groups["option"].Value} must be {expected}, not '{match.Groups["value"].Value}'.";
    }

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'")]
    private static partial Regex ConversionError();
}
