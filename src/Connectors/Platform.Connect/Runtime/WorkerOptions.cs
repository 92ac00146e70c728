namespace Platform.Connect.Runtime;

/// <summary>
/// A Connect worker's settings, with Kafka's worker key names where one exists (<c>group.id</c>,
/// <c>config.storage.topic</c>, <c>offset.flush.interval.ms</c>, ...). Bound from the command line or the host's configuration.
/// </summary>
public sealed partial class WorkerOptions
{
    /// <summary><c>bootstrap.servers</c>: the brokers.</summary>
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    /// <summary><c>group.id</c>: workers with the same id form one cluster.</summary>
    public string GroupId { get; set; } = "connect-cluster";

    /// <summary>This worker's id in statuses; default the REST address.</summary>
    public string? WorkerId { get; set; }

    /// <summary><c>config.storage.topic</c>.</summary>
    public string ConfigStorageTopic { get; set; } = "connect-configs";

    /// <summary><c>offset.storage.topic</c>.</summary>
    public string OffsetStorageTopic { get; set; } = "connect-offsets";

    /// <summary><c>status.storage.topic</c>.</summary>
    public string StatusStorageTopic { get; set; } = "connect-status";

    /// <summary><c>offset.storage.partitions</c>.</summary>
    public int OffsetStoragePartitions { get; set; } = 25;

    /// <summary><c>status.storage.partitions</c>.</summary>
    public int StatusStoragePartitions { get; set; } = 5;

    /// <summary>Replication factor of the internal topics when created.</summary>
    public short ReplicationFactor { get; set; } = 1;

    /// <summary><c>listeners</c> of the REST API, host:port; port 0 picks a free one. Null: no REST API.</summary>
    public string? RestListen { get; set; } = "127.0.0.1:8083";

    /// <summary>The directory of <c>*.json</c> connector configurations, or null.</summary>
    public string? ConfigDirectory { get; set; }

    /// <summary>How often the config directory is rescanned besides file-system notifications.</summary>
    public TimeSpan ConfigRescanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>offset.flush.interval.ms</c>: how often sink tasks commit offsets.</summary>
    public TimeSpan OffsetFlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>session.timeout.ms</c> of the workers' group: how soon a dead worker's tasks move.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>heartbeat.interval.ms</c> of the workers' group.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary><c>task.shutdown.graceful.timeout.ms</c>: how long a stopping task may take.</summary>
    public TimeSpan TaskShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Worker-level <c>producer.*</c> properties every source task's producer gets (e.g. <c>linger.ms</c>); connectors override them with <c>producer.override.*</c>.</summary>
    public Dictionary<string, string> ProducerOverrides { get; } = [];

    /// <summary>Worker-level <c>consumer.*</c> properties every sink task's consumer gets (e.g. <c>max.poll.records</c>); connectors override them with <c>consumer.override.*</c>.</summary>
    public Dictionary<string, string> ConsumerOverrides { get; } = [];

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new ArgumentException("bootstrap.servers must be set (--bootstrap-server).");
        }

        if (string.IsNullOrWhiteSpace(GroupId))
        {
            throw new ArgumentException("group.id must not be empty (--group-id).");
        }

        if (RestListen is not null && !TryParseEndpoint(RestListen, out _, out _))
        {
            throw new ArgumentException($"--rest-listen '{RestListen}' is not host:port.");
        }
    }

    /// <summary>Splits host:port.</summary>
    public static bool TryParseEndpoint(string text, out string host, out int port)
    {
        var colon = text.LastIndexOf(':');
        host = colon > 0 ? text[..colon] : "";
        port = 0;
        return colon > 0 && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
    }
}
