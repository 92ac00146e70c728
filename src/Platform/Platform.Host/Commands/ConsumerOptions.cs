using System.CommandLine;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Host.Commands;

/// <summary>Options shared by <c>consume</c> and <c>perf consume</c>.</summary>
internal sealed class ConsumerOptions
{
    public Option<string> BootstrapServer { get; } = new("--bootstrap-server")
    {
        Description = "The broker(s) to connect to, host:port[,host:port...].",
        Required = true,
    };

    public Option<string> Topic { get; } = new("--topic") { Description = "The topic to consume from.", Required = true };

    public Option<string[]> ConsumerProps { get; } = new("--consumer-property")
    {
        Description = "Consumer configuration, key=value (repeatable), e.g. fetch.max.wait.ms=100.",
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(BootstrapServer);
        command.Options.Add(Topic);
        command.Options.Add(ConsumerProps);
    }

    /// <summary>The consumer configuration from the options; later settings win.</summary>
    /// <exception cref="ArgumentException">A <c>--consumer-property</c> entry is not key=value.</exception>
    public ConsumerConfig Config(ParseResult parse, string clientId)
    {
        var config = new ConsumerConfig { BootstrapServers = parse.GetRequiredValue(BootstrapServer), ClientId = clientId };
        Apply(config, parse.GetValue(ConsumerProps));
        return config;
    }

    /// <summary>Sets each <c>--consumer-property</c> key=value pair on <paramref name="config"/>; later pairs win.</summary>
    /// <exception cref="ArgumentException">An entry is not key=value.</exception>
    public static void Apply(ConsumerConfig config, IEnumerable<string>? pairs)
    {
        foreach (var pair in pairs ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--consumer-property expects key=value, got '{pair}'.");
            }

            config.Set(pair[..equals].Trim(), pair[(equals + 1)..].Trim());
        }
    }

    /// <summary>Every partition of <paramref name="topic"/>, from the cluster's metadata.</summary>
    /// <exception cref="KafkaException">The topic does not exist or the cluster cannot be reached.</exception>
    public static async Task<List<TopicPartition>> PartitionsAsync(ConsumerConfig config, string topic, CancellationToken cancellationToken)
    {
        var adminConfig = new AdminClientConfig { BootstrapServers = config.BootstrapServers, ClientId = config.ClientId };
        if (config.Get("request.timeout.ms") is { } timeout)
        {
            adminConfig.Set("request.timeout.ms", timeout);
        }

        await using var admin = new AdminClientBuilder(adminConfig).Build();
        var metadata = await admin.GetMetadataAsync([topic], cancellationToken).ConfigureAwait(false);
        var described = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
        if (described is null || described.Error.Code == ErrorCode.UnknownTopicOrPartition)
        {
            throw new KafkaException(new Error(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' does not exist."));
        }

        if (described.Error.IsError)
        {
            throw new KafkaException(described.Error);
        }

        return [.. described.Partitions.Select(p => new TopicPartition(topic, p.PartitionId))];
    }

    /// <summary>
    /// A token cancelled by Ctrl+C (SIGINT) as well as by <paramref name="cancellationToken"/>, so a
    /// console consumer stops cleanly: the host leaves SIGINT to the verbs.
    /// </summary>
    public static CancellationTokenSource CancelOnCtrlC(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            Console.CancelKeyPress -= OnCancel;
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already finished.
            }
        }

        Console.CancelKeyPress += OnCancel;
        cts.Token.Register(() => Console.CancelKeyPress -= OnCancel);
        return cts;
    }
}
