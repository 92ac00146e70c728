using System.Net;

namespace Platform.Broker;

/// <summary>
/// The broker's settings, bound from configuration (section <c>Broker</c>, keys in Kafka's spelling
/// where Kafka has one) and validated at start.
/// </summary>
public sealed partial class BrokerOptions
{
    public const string SectionName = "Broker";

    /// <summary>Every setting at its default (<see cref="Settings"/>).</summary>
    public BrokerOptions()
    {
        foreach (var setting in Settings)
        {
            setting.Reset(this);
        }
    }

    // One property per row of Settings (BrokerOptions.Settings.cs), which holds its key, default, check and
    // documentation; the constructor sets every property (hence null! on the strings).
    public int NodeId { get; set; }

    /// <summary><c>listeners</c>, <c>host:port</c> without the scheme.</summary>
    public string Listen { get; set; } = null!;

    /// <summary><c>advertised.listeners</c>, <c>host:port</c>; null: the bound address.</summary>
    public string? Advertise { get; set; }

    /// <summary><c>log.dirs</c>.</summary>
    public string DataDir { get; set; } = null!;

    public bool AutoCreateTopicsEnable { get; set; }

    public int NumPartitions { get; set; }

    public int MaxPartitionsPerRequest { get; set; }

    public int MaxPartitions { get; set; }

    public int MaxOpenSegmentFiles { get; set; }

    public int LogDirectAppendWindowBytes { get; set; }

    public int LogDirectAppendWindows { get; set; }

    public long LogDirectCacheBytes { get; set; }

    public short DefaultReplicationFactor { get; set; }

    public int SocketRequestMaxBytes { get; set; }

    public int SocketListenBacklogSize { get; set; }

    public int FetchMaxBytes { get; set; }

    public long ReplicaLagTimeMaxMs { get; set; }

    public int ReplicaFetchMaxBytes { get; set; }

    public int ReplicaFetchResponseMaxBytes { get; set; }

    public int ReplicaFetchWaitMaxMs { get; set; }

    public int ReplicaFetchBackoffMs { get; set; }

    public long ReplicaHighWatermarkCheckpointIntervalMs { get; set; }

    /// <summary><c>queued.max.request.bytes</c>; -1: unbounded.</summary>
    public long QueuedMaxRequestBytes { get; set; }

    public int MaxConnections { get; set; }

    public int MaxConnectionsPerIp { get; set; }

    public string MaxConnectionsPerIpOverrides { get; set; } = null!;

    public long ConnectionsMaxIdleMs { get; set; }

    public long SocketRequestFrameTimeoutMs { get; set; }

    public long LogRetentionCheckIntervalMs { get; set; }

    public bool LogCleanerEnable { get; set; }

    public int LogCleanerThreads { get; set; }

    public long LogCleanerBackoffMs { get; set; }

    public long LogCleanerDedupeBufferSize { get; set; }

    public double LogCleanerIoBufferLoadFactor { get; set; }

    public int LogCleanerIoBufferSize { get; set; }

    public double LogCleanerIoMaxBytesPerSecond { get; set; }

    public int NumRecoveryThreadsPerDataDir { get; set; }

    public long LogFlushOffsetCheckpointIntervalMs { get; set; }

    public long LogFlushSchedulerIntervalMs { get; set; }

    public long ProducerIdExpirationMs { get; set; }

    public long ProducerIdExpirationCheckIntervalMs { get; set; }

    public int TransactionStateLogNumPartitions { get; set; }

    public int TransactionStateLogSegmentBytes { get; set; }

    public int TransactionMaxTimeoutMs { get; set; }

    public long TransactionAbortTimedOutTransactionCleanupIntervalMs { get; set; }

    public long TransactionalIdExpirationMs { get; set; }

    public long TransactionRemoveExpiredTransactionCleanupIntervalMs { get; set; }

    public bool DeleteTopicEnable { get; set; }

    public int OffsetsTopicNumPartitions { get; set; }

    public int OffsetsTopicSegmentBytes { get; set; }

    public long OffsetsRetentionMinutes { get; set; }

    public long OffsetsRetentionCheckIntervalMs { get; set; }

    public int OffsetMetadataMaxBytes { get; set; }

    public int GroupMinSessionTimeoutMs { get; set; }

    public int GroupMaxSessionTimeoutMs { get; set; }

    public int GroupInitialRebalanceDelayMs { get; set; }

    public int GroupMaxSize { get; set; }

    public short OffsetsTopicReplicationFactor { get; set; }

    public short TransactionStateLogReplicationFactor { get; set; }

    public short TransactionStateLogMinIsr { get; set; }

    /// <summary><c>etcd.endpoints</c>; null: a single broker, no cluster.</summary>
    public string? EtcdEndpoints { get; set; }

    public string? BrokerRack { get; set; }

    public int BrokerSessionTimeoutMs { get; set; }

    public bool AutoLeaderRebalanceEnable { get; set; }

    public int LeaderImbalancePerBrokerPercentage { get; set; }

    public long LeaderImbalanceCheckIntervalSeconds { get; set; }

    /// <summary>True when <c>etcd.endpoints</c> is set: the broker is one of a cluster.</summary>
    public bool IsClustered => EtcdEndpoints is not null;

    /// <summary>Broker-wide defaults for topic configs, by topic-level name (<c>retention.ms</c>, <c>segment.bytes</c>...).</summary>
    public Dictionary<string, string> TopicDefaults { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The keys bound from configuration, as written (normalized), with their text: DescribeConfigs reports them as static.</summary>
    internal Dictionary<string, string> Configured { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>Copies every setting from one instance to another (options are bound into a fresh instance by the host).</summary>
    public static void CopyTo(BrokerOptions from, BrokerOptions to)
    {
        foreach (var setting in Settings)
        {
            setting.Copy(from, to);
        }

        to.TopicDefaults = new Dictionary<string, string>(from.TopicDefaults, StringComparer.Ordinal);
        to.Configured = new Dictionary<string, string>(from.Configured, StringComparer.Ordinal);
    }

    /// <summary>The address and port <see cref="Listen"/> names (an empty host or 0.0.0.0: every IPv4 interface).</summary>
    public IPEndPoint ListenEndPoint()
    {
        var (host, port) = ParseHostPort(Listen, "listeners");
        var address = host is "" or "0.0.0.0" ? IPAddress.Any
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : Dns.GetHostAddresses(host).First(a => a.AddressFamily is System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6);
        return new IPEndPoint(address, port);
    }

    /// <summary>Parses <c>host:port</c> (IPv6 as <c>[::1]:9092</c>); throws naming <paramref name="key"/> on bad input.</summary>
    public static (string Host, int Port) ParseHostPort(string value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new OptionsValidationException(key, "must be host:port, got an empty value");
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new OptionsValidationException(key, $"must be host:port with a port from 0 to 65535, got '{value}'");
        }

        var host = value[..colon].Trim('[', ']');
        return (host, port);
    }

    /// <summary>Checks every setting and throws one exception naming each bad key.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        foreach (var setting in Settings)
        {
            try
            {
                if (setting.Problem(this) is { } problem)
                {
                    errors.Add($"{setting.Name}: {problem}");
                }
            }
            catch (OptionsValidationException e)
            {
                // Parsers shared with the runtime (host:port, the per-address overrides) name the key themselves.
                errors.Add(e.Message);
            }
        }

        errors.AddRange(Storage.LogConfig.Validate(TopicDefaults));
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(string.Join("; ", errors));
        }
    }
}

/// <summary>A configuration value that is missing or malformed; the message names the key.</summary>
public sealed class OptionsValidationException : Exception
{
    public OptionsValidationException(string key, string problem)
        : base($"{key}: {problem}")
    {
    }

    public OptionsValidationException(string message)
        : base(message)
    {
    }

    public OptionsValidationException()
    {
    }

    public OptionsValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
