using System.CommandLine;
using Platform.Client;

namespace Platform.Host.Commands;

/// <summary>Options shared by <c>produce</c> and <c>perf produce</c>.</summary>
internal sealed class ProducerOptions
{
    public Option<string> BootstrapServer { get; } = new("--bootstrap-server")
    {
        Description = "The broker(s) to connect to, host:port[,host:port...].",
        Required = true,
    };

    public Option<string> Topic { get; } = new("--topic") { Description = "The topic to produce to.", Required = true };

    public Option<string[]> ProducerProps { get; } = new("--producer-props")
    {
        Description = "Producer configuration, key=value (repeatable), e.g. linger.ms=5 acks=1.",
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(BootstrapServer);
        command.Options.Add(Topic);
        command.Options.Add(ProducerProps);
    }

    /// <summary>The producer configuration from the options; later settings win.</summary>
    /// <exception cref="ArgumentException">A <c>--producer-props</c> entry is not key=value.</exception>
    public ProducerConfig Config(ParseResult parse, string clientId)
    {
        var config = new ProducerConfig { BootstrapServers = parse.GetRequiredValue(BootstrapServer), ClientId = clientId };
        foreach (var pair in parse.GetValue(ProducerProps) ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--producer-props expects key=value, got '{pair}'.");
            }

            config.Set(pair[..equals].Trim(), pair[(equals + 1)..].Trim());
        }

        return config;
    }
}
