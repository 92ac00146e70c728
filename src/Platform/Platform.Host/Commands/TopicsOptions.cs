using System.CommandLine;

namespace Platform.Host.Commands;

/// <summary>The options every <c>topics</c> subcommand shares, and builders for the common ones.</summary>
internal sealed class TopicsOptions
{
    public TopicsOptions(bool topicRequired, string topicHelp)
        => Topic = new Option<string>("--topic") { Description = topicHelp, Required = topicRequired };

    public ConnectionOptions Connection { get; } = new();

    public Option<string> Topic { get; }

    public void AddTo(Command command)
    {
        Connection.AddTo(command);
        command.Options.Add(Topic);
    }

    public static Option<int?> Partitions(string description)
    {
        return new Option<int?>("--partitions") { Description = description }.AtLeast(1);
    }

    public static Option<string[]> Config(string description)
    {
        var option = new Option<string[]>("--config") { Description = description };
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                var eq = token.Value.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    r.AddError($"--config '{token.Value}' is not key=value.");
                }
            }
        });
        return option;
    }

    public static Option<bool> IfExists() => new("--if-exists") { Description = "Do nothing if the topic does not exist." };

    public static Option<bool> ExcludeInternal() => new("--exclude-internal") { Description = "Leave out internal topics." };

    /// <summary>Splits validated <c>key=value</c> pairs (the value may itself contain '=').</summary>
    public static Dictionary<string, string> ParseConfigs(string[]? pairs)
    {
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            configs[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }

        return configs;
    }
}
