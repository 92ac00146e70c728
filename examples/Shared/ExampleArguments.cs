using System.Globalization;

namespace Platform.Examples;

/// <summary>
/// The command line every example takes:
/// <c>--bootstrap-server HOST:PORT [--processing-guarantee exactly_once_v2|at_least_once] [--application-id ID]</c>.
/// </summary>
internal sealed record ExampleArguments(string BootstrapServer, string ProcessingGuarantee, string ApplicationId)
{
    public static string Usage(string example, string defaultApplicationId)
        => $"usage: {example} --bootstrap-server HOST:PORT [--processing-guarantee exactly_once_v2|at_least_once] [--application-id {defaultApplicationId}]\n" +
           $"       {example} --describe    (prints the topology and its Mermaid diagram)";

    /// <summary>Parses <paramref name="args"/>; a missing or bad argument throws <see cref="ArgumentException"/> naming it.</summary>
    public static ExampleArguments Parse(IReadOnlyList<string> args, string defaultApplicationId)
    {
        string? bootstrap = null;
        var guarantee = "at_least_once";
        var applicationId = defaultApplicationId;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--bootstrap-server":
                    bootstrap = CheckHostPorts(value);
                    break;
                case "--processing-guarantee":
                    guarantee = value is "exactly_once_v2" or "at_least_once"
                        ? value
                        : throw new ArgumentException($"--processing-guarantee must be exactly_once_v2 or at_least_once, got '{value}'.");
                    break;
                case "--application-id":
                    applicationId = value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
                        ? value
                        : throw new ArgumentException($"--application-id may only contain letters, digits, '.', '_' and '-', got '{value}'.");
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{name}'.");
            }
        }

        return new ExampleArguments(bootstrap ?? throw new ArgumentException("--bootstrap-server HOST:PORT is required."), guarantee, applicationId);
    }

    // Checked here so a typo fails at once with the argument's name, not later as an unreachable broker.
    private static string CheckHostPorts(string value)
    {
        foreach (var server in value.Split(','))
        {
            var colon = server.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new ArgumentException($"--bootstrap-server must be HOST:PORT[,HOST:PORT...], got '{value}'.");
            }
        }

        return value;
    }
}
