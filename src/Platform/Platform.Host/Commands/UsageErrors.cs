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
            error.WriteLine(Describe(problem.Message, OptionName(problem.SymbolResult)));
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

    /// <summary>
    /// Rewrites the parser's messages into the user's terms: a conversion error names .NET types, and a value
    /// outside an option's choices does not name the option at all.
    /// </summary>
    internal static string Describe(string message, string? option = null)
    {
        var choice = ChoiceError().Match(message);
        if (choice.Success && option is not null)
        {
            var allowed = string.Join(", ", choice.Groups["choice"].Captures.Select(c => c.Value));
            return $"{option} must be one of {allowed}, not '{choice.Groups["value"].Value}'.";
        }

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

    private static string? OptionName(System.CommandLine.Parsing.SymbolResult? result) => result switch
    {
        System.CommandLine.Parsing.OptionResult option => option.Option.Name,
        System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult option } => option.Option.Name,
        _ => null,
    };

    [GeneratedRegex(@"^Argument '(?<value>.*)' not recognized\. Must be one of:(?:\s*'(?<choice>[^']*)')+")]
    private static partial Regex ChoiceError();

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'")]
    private static partial Regex ConversionError();
}
