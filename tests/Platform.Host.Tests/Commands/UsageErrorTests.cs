using System.CommandLine;
using Platform.Host.Commands;

namespace Platform.Host.Tests.Commands;

/// <summary>Every numeric option of every command, given a word, is a usage error (exit code 2), never an unhandled exception.</summary>
public sealed class UsageErrorTests
{
    public static TheoryData<string, string> NumericOptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, option) in Options(PlatformCommands.Create(), []))
        {
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(double))
            {
                data.Add(string.Join(' ', path), option.Name);
            }
        }

        return data;
    }

    /// <summary>With nothing else given, the command's own rules may speak first; either way a usage error, not a crash.</summary>
    [Theory]
    [MemberData(nameof(NumericOptions))]
    public void NumericOption_GivenAWord_UsageErrorWithExitCode2(string command, string option)
    {
        var root = PlatformCommands.Create();
        using var error = new StringWriter();

        var parsed = root.Parse([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), option, "abc"]);
        var exit = UsageErrors.Report(parsed, error);

        Assert.NotEmpty(parsed.Errors);
        Assert.Equal(2, exit);
    }

    /// <summary>A command's rules that read an option's value ran on a value that did not parse, which threw (exit code 134).</summary>
    [Theory]
    [InlineData("--throttle", "abc", "--throttle must be a whole number, not 'abc'.")]
    [InlineData("--throttle", "0", "--throttle must be at least 1.")]
    public void ReassignExecute_BadThrottle_UsageErrorNamingIt(string option, string value, string message)
    {
        var root = PlatformCommands.Create();
        using var error = new StringWriter();

        var parsed = root.Parse(["reassign-partitions", "--bootstrap-server", "127.0.0.1:1", "--execute", "--reassignment-json-file", "plan.json", option, value]);
        var exit = UsageErrors.Report(parsed, error);

        Assert.Equal(2, exit);
        Assert.Equal([message, "Run 'platform reassign-partitions --help' for usage."], error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>--offset takes a number or a word, so it is a text option: its rule makes a bad one a usage error too (it was exit code 1).</summary>
    [Theory]
    [InlineData("banana")]
    [InlineData("-1")]
    public void Consume_OffsetNeitherANumberNorEarliestOrLatest_UsageErrorNamingIt(string value)
    {
        var root = PlatformCommands.Create();
        using var error = new StringWriter();

        var parsed = root.Parse(["consume", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--partition", "0", "--offset", value]);
        var exit = UsageErrors.Report(parsed, error);

        Assert.Equal(2, exit);
        Assert.Equal([$"--offset must be a non-negative number, earliest or latest, not '{value}'.", "Run 'platform consume --help' for usage."], error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static IEnumerable<(string[] Path, Option Option)> Options(Command command, string[] path)
    {
        foreach (var option in command.Options)
        {
            yield return (path, option);
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var found in Options(sub, [.. path, sub.Name]))
            {
                yield return found;
            }
        }
    }
}
