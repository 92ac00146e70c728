using System.Net;

namespace Platform.Broker;

/// <summary>
/// The broker's settings, bound from configuration (section <c>Broker</c>, keys in Kafka's spelling
/// where Kafka has one) and validated at start.
/// </summary>
public sealed class BrokerOptions
{
    public const string SectionName = "Broker";

    /// <summary><c>node.id</c>: this broker's id in metadata responses.</summary>
    public int NodeId { get; set; } = 1;

    /// <summary><c>listeners</c>: the address the broker listens on, <c>host:port</c>; port 0 picks a free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:9092";

    /// <summary><c>advertised.listeners</c>: the address clients are told to connect to; defaults to the bound address.</summary>
    public string? Advertise { get; set; }

    /// <summary><c>log.dirs</c>: where partitions live.</summary>
    public string DataDir { get; set; } = "./data";

    /// <summary><c>auto.create.topics.enable</c>.</summary>
    public bool AutoCreateTopicsEnable { get; set; } = true;

    /// <summary><c>num.partitions</c>: partitions of an auto-created topic or a CreateTopics that asks for the default.</summary>
    public int NumPartitions { get; set; } = 1;

    /// <summary>
    /// <c>max.partitions.per.request</c> (ours, not Kafka's): the most partitions one CreateTopics topic,
    /// CreatePartitions or auto-creation may add; more is INVALID_PARTITIONS. Every partition costs a
    /// directory and open files, so a typo like 2000000 must not take the broker down.
    /// </summary>
    public int MaxPartitionsPerRequest { get; set; } = 10_000;

    /// <summary>
    /// <c>max.partitions</c> (ours, not Kafka's): the most partitions this broker holds, internal topics
    /// included; a create that would pass it is POLICY_VIOLATION.
    /// </summary>
    public int MaxPartitions { get; set; } = 100_000;

    /// <summary>
    /// <c>max.open.segment.files</c> (ours, not Kafka's): segment files kept open while idle; the least recently
    /// used beyond this are closed and reopened on demand, so the open-file limit bounds nothing but speed.
    /// 0 keeps every segment open.
    /// </summary>
    public int MaxOpenSegmentFiles { get; set; } = 8192;

    /// <summary><c>default.replication.factor</c>.</summary>
    public short DefaultReplicationFactor { get; set; } = 1;

    /// <summary><c>socket.request.max.bytes</c>: a frame larger than this closes its connection.</summary>
    public int SocketRequestMaxBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary><c>fetch.max.bytes</c>: the most record bytes one Fetch response carries, whatever the client asks (Kafka's 55 MiB).</summary>
    public int FetchMaxBytes { get; set; } = 55 * 1024 * 1024;

    /// <summary>
    /// <c>queued.max.request.bytes</c>: request bytes all connections together may hold in memory
    /// (received or being received, not yet answered). When it is spent, connections stop reading
    /// until earlier requests are done. Kafka's default, -1, is unbounded; ours is 512 MiB, so a
    /// flood of maximum-size frames cannot take the process's memory (one frame larger than the
    /// budget is still admitted when nothing else is in flight). -1 keeps Kafka's meaning.
    /// </summary>
    public long QueuedMaxRequestBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary><c>max.connections</c>: open client connections; at the limit the listener stops accepting until one closes.</summary>
    public int MaxConnections { get; set; } = int.MaxValue;

    /// <summary><c>max.connections.per.ip</c>: open connections from one address; one more is closed as soon as it is accepted.</summary>
    public int MaxConnectionsPerIp { get; set; } = int.MaxValue;

    /// <summary><c>max.connections.per.ip.overrides</c>: per-address limits, <c>host:count</c> separated by commas (<c>127.0.0.1:200,broker2:50</c>).</summary>
    public string MaxConnectionsPerIpOverrides { get; set; } = "";

    /// <summary><c>connections.max.idle.ms</c>: a connection that sends and receives nothing this long, with no request in progress, is closed.</summary>
    public long ConnectionsMaxIdleMs { get; set; } = 600_000;

    /// <summary>
    /// <c>socket.request.frame.timeout.ms</c> (ours, Kafka has none): how long a request frame may take
    /// to arrive once its first bytes did. A frame that stops arriving halfway (slow-loris) closes
    /// its connection after this. Twice the clients' request.timeout.ms, after which they give up anyway.
    /// </summary>
    public long SocketRequestFrameTimeoutMs { get; set; } = 60_000;

    /// <summary><c>log.retention.check.interval.ms</c>.</summary>
    public long LogRetentionCheckIntervalMs { get; set; } = 300_000;

    /// <summary><c>log.cleaner.enable</c>: compact logs whose cleanup.policy contains compact.</summary>
    public bool LogCleanerEnable { get; set; } = true;

    /// <summary><c>log.cleaner.threads</c>: logs compacted at the same time.</summary>
    public int LogCleanerThreads { get; set; } = 1;

    /// <summary><c>log.cleaner.backoff.ms</c>: the cleaner's pause between passes over the logs.</summary>
    public long LogCleanerBackoffMs { get; set; } = 15_000;

    /// <summary><c>log.cleaner.dedupe.buffer.size</c>: memory for the cleaner threads' key maps together.</summary>
    public long LogCleanerDedupeBufferSize { get; set; } = 128L * 1024 * 1024;

    /// <summary><c>log.cleaner.io.buffer.load.factor</c>: how full a key map may get.</summary>
    public double LogCleanerIoBufferLoadFactor { get; set; } = 0.9;

    /// <summary><c>log.cleaner.io.buffer.size</c>: cleaned bytes collected before one write.</summary>
    public int LogCleanerIoBufferSize { get; set; } = 512 * 1024;

    /// <summary><c>log.cleaner.io.max.bytes.per.second</c>: the cleaner's I/O allowance, all threads together.</summary>
    public double LogCleanerIoMaxBytesPerSecond { get; set; } = double.MaxValue;

    /// <summary><c>num.recovery.threads.per.data.dir</c>: logs opened (and recovered) in parallel at start.</summary>
    public int NumRecoveryThreadsPerDataDir { get; set; } = Environment.ProcessorCount;

    /// <summary><c>log.flush.offset.checkpoint.interval.ms</c>: how often recovery points are written.</summary>
    public long LogFlushOffsetCheckpointIntervalMs { get; set; } = 60_000;

    /// <summary><c>log.flush.scheduler.interval.ms</c>: how often logs are checked against flush.ms (ours checks every second by default).</summary>
    public long LogFlushSchedulerIntervalMs { get; set; } = 1_000;

    /// <summary><c>producer.id.expiration.ms</c>: a producer idle this long (by its batches' timestamps) loses its idempotence state.</summary>
    public long ProducerIdExpirationMs { get; set; } = 86_400_000;

    /// <summary><c>producer.id.expiration.check.interval.ms</c>.</summary>
    public long ProducerIdExpirationCheckIntervalMs { get; set; } = 600_000;

    /// <summary><c>transaction.state.log.num.partitions</c>: partitions of <c>__transaction_state</c> when it is created.</summary>
    public int TransactionStateLogNumPartitions { get; set; } = 50;

    /// <summary><c>transaction.state.log.segment.bytes</c>.</summary>
    public int TransactionStateLogSegmentBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary><c>transaction.max.timeout.ms</c>: the largest transaction.timeout.ms a producer may ask for.</summary>
    public int TransactionMaxTimeoutMs { get; set; } = 900_000;

    /// <summary><c>transaction.abort.timed.out.transaction.cleanup.interval.ms</c>: how often open transactions past their timeout are aborted.</summary>
    public long TransactionAbortTimedOutTransactionCleanupIntervalMs { get; set; } = 10_000;

    /// <summary>
    /// <c>transactional.id.expiration.ms</c>: a transactional id whose state has not changed this long while
    /// no transaction is open (Empty, CompleteCommit, CompleteAbort) is forgotten: tombstoned in
    /// <c>__transaction_state</c>, so its next InitProducerId starts afresh.
    /// </summary>
    public long TransactionalIdExpirationMs { get; set; } = 604_800_000;

    /// <summary><c>transaction.remove.expired.transaction.cleanup.interval.ms</c>: how often transactional ids past transactional.id.expiration.ms are removed.</summary>
    public long TransactionRemoveExpiredTransactionCleanupIntervalMs { get; set; } = 3_600_000;

    /// <summary><c>delete.topic.enable</c>.</summary>
    public bool DeleteTopicEnable { get; set; } = true;

    /// <summary><c>offsets.topic.num.partitions</c>: partitions of <c>__consumer_offsets</c> when it is created (a group lives on one of them).</summary>
    public int OffsetsTopicNumPartitions { get; set; } = 50;

    /// <summary><c>offsets.topic.segment.bytes</c>: segment size of <c>__consumer_offsets</c>, small so compaction keeps it short.</summary>
    public int OffsetsTopicSegmentBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary><c>offsets.retention.minutes</c>: how long the offsets of an empty group (or of a topic its members no longer read) are kept.</summary>
    public long OffsetsRetentionMinutes { get; set; } = 7 * 24 * 60;

    /// <summary><c>offsets.retention.check.interval.ms</c>: how often expired offsets and empty groups are removed.</summary>
    public long OffsetsRetentionCheckIntervalMs { get; set; } = 600_000;

    /// <summary><c>offset.metadata.max.bytes</c>: the longest metadata string a commit may carry.</summary>
    public int OffsetMetadataMaxBytes { get; set; } = 4096;

    /// <summary><c>group.min.session.timeout.ms</c>: the shortest session timeout a member may ask for.</summary>
    public int GroupMinSessionTimeoutMs { get; set; } = 6_000;

    /// <summary><c>group.max.session.timeout.ms</c>: the longest session timeout a member may ask for.</summary>
    public int GroupMaxSessionTimeoutMs { get; set; } = 1_800_000;

    /// <summary><c>group.initial.rebalance.delay.ms</c>: how long the first rebalance of an empty group waits for more members.</summary>
    public int GroupInitialRebalanceDelayMs { get; set; } = 3_000;

    /// <summary><c>group.max.size</c>: the most members a group may have.</summary>
    public int GroupMaxSize { get; set; } = int.MaxValue;

    /// <summary>Broker-wide defaults for topic configs, by topic-level name (<c>retention.ms</c>, <c>segment.bytes</c>...).</summary>
    public Dictionary<string, string> TopicDefaults { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Copies every setting from one instance to another (options are bound into a fresh instance by the host).</summary>
    public static void CopyTo(BrokerOptions from, BrokerOptions to)
    {
        to.NodeId = from.NodeId;
        to.Listen = from.Listen;
        to.Advertise = from.Advertise;
        to.DataDir = from.DataDir;
        to.AutoCreateTopicsEnable = from.AutoCreateTopicsEnable;
        to.NumPartitions = from.NumPartitions;
        to.DefaultReplicationFactor = from.DefaultReplicationFactor;
        to.MaxPartitionsPerRequest = from.MaxPartitionsPerRequest;
        to.MaxPartitions = from.MaxPartitions;
        to.MaxOpenSegmentFiles = from.MaxOpenSegmentFiles;
        to.SocketRequestMaxBytes = from.SocketRequestMaxBytes;
        to.FetchMaxBytes = from.FetchMaxBytes;
        to.QueuedMaxRequestBytes = from.QueuedMaxRequestBytes;
        to.MaxConnections = from.MaxConnections;
        to.MaxConnectionsPerIp = from.MaxConnectionsPerIp;
        to.MaxConnectionsPerIpOverrides = from.MaxConnectionsPerIpOverrides;
        to.ConnectionsMaxIdleMs = from.ConnectionsMaxIdleMs;
        to.SocketRequestFrameTimeoutMs = from.SocketRequestFrameTimeoutMs;
        to.LogRetentionCheckIntervalMs = from.LogRetentionCheckIntervalMs;
        to.LogCleanerEnable = from.LogCleanerEnable;
        to.LogCleanerThreads = from.LogCleanerThreads;
        to.LogCleanerBackoffMs = from.LogCleanerBackoffMs;
        to.LogCleanerDedupeBufferSize = from.LogCleanerDedupeBufferSize;
        to.LogCleanerIoBufferLoadFactor = from.LogCleanerIoBufferLoadFactor;
        to.LogCleanerIoBufferSize = from.LogCleanerIoBufferSize;
        to.LogCleanerIoMaxBytesPerSecond = from.LogCleanerIoMaxBytesPerSecond;
        to.NumRecoveryThreadsPerDataDir = from.NumRecoveryThreadsPerDataDir;
        to.LogFlushOffsetCheckpointIntervalMs = from.LogFlushOffsetCheckpointIntervalMs;
        to.LogFlushSchedulerIntervalMs = from.LogFlushSchedulerIntervalMs;
        to.DeleteTopicEnable = from.DeleteTopicEnable;
        to.OffsetsTopicNumPartitions = from.OffsetsTopicNumPartitions;
        to.OffsetsTopicSegmentBytes = from.OffsetsTopicSegmentBytes;
        to.OffsetsRetentionMinutes = from.OffsetsRetentionMinutes;
        to.OffsetsRetentionCheckIntervalMs = from.OffsetsRetentionCheckIntervalMs;
        to.OffsetMetadataMaxBytes = from.OffsetMetadataMaxBytes;
        to.GroupMinSessionTimeoutMs = from.GroupMinSessionTimeoutMs;
        to.GroupMaxSessionTimeoutMs = from.GroupMaxSessionTimeoutMs;
        to.GroupInitialRebalanceDelayMs = from.GroupInitialRebalanceDelayMs;
        to.GroupMaxSize = from.GroupMaxSize;
        to.ProducerIdExpirationMs = from.ProducerIdExpirationMs;
        to.ProducerIdExpirationCheckIntervalMs = from.ProducerIdExpirationCheckIntervalMs;
        to.TransactionStateLogNumPartitions = from.TransactionStateLogNumPartitions;
        to.TransactionStateLogSegmentBytes = from.TransactionStateLogSegmentBytes;
        to.TransactionMaxTimeoutMs = from.TransactionMaxTimeoutMs;
        to.TransactionAbortTimedOutTransactionCleanupIntervalMs = from.TransactionAbortTimedOutTransactionCleanupIntervalMs;
        to.TransactionalIdExpirationMs = from.TransactionalIdExpirationMs;
        to.TransactionRemoveExpiredTransactionCleanupIntervalMs = from.TransactionRemoveExpiredTransactionCleanupIntervalMs;
        to.TopicDefaults = new Dictionary<string, string>(from.TopicDefaults, StringComparer.Ordinal);
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
        void Check(bool ok, string key, string message)
        {
            if (!ok)
            {
                errors.Add($"{key}: {message}");
            }
        }

        Check(NodeId >= 0, "node.id", $"must be >= 0, got {NodeId}");
        Check(NumPartitions >= 1, "num.partitions", $"must be >= 1, got {NumPartitions}");
        Check(MaxPartitionsPerRequest >= 1, "max.partitions.per.request", $"must be >= 1, got {MaxPartitionsPerRequest}");
        Check(MaxPartitions >= 1, "max.partitions", $"must be >= 1, got {MaxPartitions}");
        Check(MaxOpenSegmentFiles >= 0, "max.open.segment.files", $"must be >= 0, got {MaxOpenSegmentFiles}");
        Check(DefaultReplicationFactor >= 1, "default.replication.factor", $"must be >= 1, got {DefaultReplicationFactor}");
        Check(SocketRequestMaxBytes >= 1024, "socket.request.max.bytes", $"must be >= 1024, got {SocketRequestMaxBytes}");
        Check(FetchMaxBytes >= 1024, "fetch.max.bytes", $"must be >= 1024, got {FetchMaxBytes}");
        Check(QueuedMaxRequestBytes is -1 or >= 1, "queued.max.request.bytes", $"must be -1 (unbounded) or >= 1, got {QueuedMaxRequestBytes}");
        Check(MaxConnections >= 1, "max.connections", $"must be >= 1, got {MaxConnections}");
        Check(MaxConnectionsPerIp >= 0, "max.connections.per.ip", $"must be >= 0, got {MaxConnectionsPerIp}");
        try
        {
            var overrides = Network.ConnectionLimits.ParseOverrides(MaxConnectionsPerIpOverrides);
            Check(MaxConnectionsPerIp > 0 || overrides.Count > 0, "max.connections.per.ip", "may be 0 only with max.connections.per.ip.overrides");
        }
        catch (OptionsValidationException e)
        {
            errors.Add(e.Message);
        }

        Check(ConnectionsMaxIdleMs >= 1, "connections.max.idle.ms", $"must be >= 1, got {ConnectionsMaxIdleMs}");
        Check(SocketRequestFrameTimeoutMs >= 1, "socket.request.frame.timeout.ms", $"must be >= 1, got {SocketRequestFrameTimeoutMs}");
        Check(LogRetentionCheckIntervalMs >= 1, "log.retention.check.interval.ms", $"must be >= 1, got {LogRetentionCheckIntervalMs}");
        Check(LogCleanerThreads >= 1, "log.cleaner.threads", $"must be >= 1, got {LogCleanerThreads}");
        Check(LogCleanerBackoffMs >= 1, "log.cleaner.backoff.ms", $"must be >= 1, got {LogCleanerBackoffMs}");
        Check(LogCleanerDedupeBufferSize >= LogCleanerThreads * 1024L * 1024, "log.cleaner.dedupe.buffer.size", $"must give each of the {LogCleanerThreads} cleaner threads at least 1 MiB, got {LogCleanerDedupeBufferSize}");
        Check(LogCleanerIoBufferLoadFactor is > 0 and <= 1, "log.cleaner.io.buffer.load.factor", $"must be in (0, 1], got {LogCleanerIoBufferLoadFactor}");
        Check(LogCleanerIoBufferSize >= 1024, "log.cleaner.io.buffer.size", $"must be >= 1024, got {LogCleanerIoBufferSize}");
        Check(LogCleanerIoMaxBytesPerSecond > 0, "log.cleaner.io.max.bytes.per.second", $"must be > 0, got {LogCleanerIoMaxBytesPerSecond}");
        Check(NumRecoveryThreadsPerDataDir >= 1, "num.recovery.threads.per.data.dir", $"must be >= 1, got {NumRecoveryThreadsPerDataDir}");
        Check(LogFlushOffsetCheckpointIntervalMs >= 1, "log.flush.offset.checkpoint.interval.ms", $"must be >= 1, got {LogFlushOffsetCheckpointIntervalMs}");
        Check(LogFlushSchedulerIntervalMs >= 1, "log.flush.scheduler.interval.ms", $"must be >= 1, got {LogFlushSchedulerIntervalMs}");
        Check(OffsetsTopicNumPartitions >= 1, "offsets.topic.num.partitions", $"must be >= 1, got {OffsetsTopicNumPartitions}");
        Check(OffsetsTopicSegmentBytes >= 1024, "offsets.topic.segment.bytes", $"must be >= 1024, got {OffsetsTopicSegmentBytes}");
        Check(OffsetsRetentionMinutes >= 1, "offsets.retention.minutes", $"must be >= 1, got {OffsetsRetentionMinutes}");
        Check(OffsetsRetentionCheckIntervalMs >= 1, "offsets.retention.check.interval.ms", $"must be >= 1, got {OffsetsRetentionCheckIntervalMs}");
        Check(OffsetMetadataMaxBytes >= 0, "offset.metadata.max.bytes", $"must be >= 0, got {OffsetMetadataMaxBytes}");
        Check(GroupMinSessionTimeoutMs >= 0, "group.min.session.timeout.ms", $"must be >= 0, got {GroupMinSessionTimeoutMs}");
        Check(GroupMaxSessionTimeoutMs >= GroupMinSessionTimeoutMs, "group.max.session.timeout.ms", $"must be >= group.min.session.timeout.ms ({GroupMinSessionTimeoutMs}), got {GroupMaxSessionTimeoutMs}");
        Check(GroupInitialRebalanceDelayMs >= 0, "group.initial.rebalance.delay.ms", $"must be >= 0, got {GroupInitialRebalanceDelayMs}");
        Check(GroupMaxSize >= 1, "group.max.size", $"must be >= 1, got {GroupMaxSize}");
        Check(TransactionStateLogNumPartitions >= 1, "transaction.state.log.num.partitions", $"must be >= 1, got {TransactionStateLogNumPartitions}");
        Check(TransactionMaxTimeoutMs >= 1, "transaction.max.timeout.ms", $"must be >= 1, got {TransactionMaxTimeoutMs}");
        Check(TransactionAbortTimedOutTransactionCleanupIntervalMs >= 1, "transaction.abort.timed.out.transaction.cleanup.interval.ms", $"must be >= 1, got {TransactionAbortTimedOutTransactionCleanupIntervalMs}");
        Check(TransactionalIdExpirationMs >= 1, "transactional.id.expiration.ms", $"must be >= 1, got {TransactionalIdExpirationMs}");
        Check(TransactionRemoveExpiredTransactionCleanupIntervalMs >= 1, "transaction.remove.expired.transaction.cleanup.interval.ms", $"must be >= 1, got {TransactionRemoveExpiredTransactionCleanupIntervalMs}");
        Check(ProducerIdExpirationMs >= 1, "producer.id.expiration.ms", $"must be >= 1, got {ProducerIdExpirationMs}");
        Check(ProducerIdExpirationCheckIntervalMs >= 1, "producer.id.expiration.check.interval.ms", $"must be >= 1, got {ProducerIdExpirationCheckIntervalMs}");
        Check(!string.IsNullOrWhiteSpace(DataDir), "log.dirs", "must name a directory");
        try
        {
            var (host, _) = ParseHostPort(Listen, "listeners");
            Check(host.Length > 0 && (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) != UriHostNameType.Unknown), "listeners", $"'{host}' is not a host name or IP address");
        }
        catch (OptionsValidationException e)
        {
            errors.Add(e.Message);
        }

        if (Advertise is not null)
        {
            try
            {
                var (_, port) = ParseHostPort(Advertise, "advertised.listeners");
                Check(port > 0, "advertised.listeners", "must name a real port, not 0");
            }
            catch (OptionsValidationException e)
            {
                errors.Add(e.Message);
            }
        }

        foreach (var error in Storage.LogConfig.Validate(TopicDefaults))
        {
            errors.Add(error);
        }

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
