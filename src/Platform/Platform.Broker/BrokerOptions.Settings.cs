using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Numerics;
using Platform.Broker.Cluster;
using Platform.Storage;

namespace Platform.Broker;

public sealed partial class BrokerOptions
{
    private const int MiB = 1024 * 1024;

    /// <summary>
    /// Every broker setting, in Kafka's spelling where Kafka has the setting: configuration binding, validation,
    /// defaults, the README's table and DescribeConfigs for the broker read this list. Adding a setting is one
    /// row here (and its property above, if the broker reads it through one).
    /// </summary>
    public static IReadOnlyList<BrokerSetting> Settings { get; } =
    [
        Int("node.id", 1, o => o.NodeId, (o, v) => o.NodeId = v, "This broker's id.", AtLeast(0)).Also("broker.id"),
        Text("listeners", "127.0.0.1:9092", o => o.Listen, (o, v) => o.Listen = v!,
            "Listen address (host:port, PLAINTEXT:// accepted). Port 0 picks a free port.", (_, v) => HostProblem(v!), StripScheme, Listener).Also("listen"),
        Text("advertised.listeners", null, o => o.Advertise, (o, v) => o.Advertise = v,
            "Address given to clients in metadata.", (_, v) => v is null ? null : AdvertisedProblem(v), StripScheme, Listener).Also("advertise").Shown("the bound address"),
        Text("log.dirs", "./data", o => o.DataDir, (o, v) => o.DataDir = v!, "Data directory.",
            (_, v) => string.IsNullOrWhiteSpace(v) ? "must name a directory" : null).Also("log.dir", "data.dir"),
        Bool("auto.create.topics.enable", true, o => o.AutoCreateTopicsEnable, (o, v) => o.AutoCreateTopicsEnable = v, "Create unknown topics on Metadata/Produce."),
        Int("num.partitions", 1, o => o.NumPartitions, (o, v) => o.NumPartitions = v,
            "Partitions of auto-created topics and of CreateTopics asking for the default.", AtLeast(1)),
        new BrokerSetting.Property<short>("default.replication.factor", ConfigType.Int, 1, o => o.DefaultReplicationFactor, (o, v) => o.DefaultReplicationFactor = v,
            v => short.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), Format, "Replication factor default.", AtLeast<short>(1)),
        Int("socket.request.max.bytes", 100 * MiB, o => o.SocketRequestMaxBytes, (o, v) => o.SocketRequestMaxBytes = v,
            "Larger request frames close their connection.", AtLeast(1024)),
        Int("socket.listen.backlog.size", 512, o => o.SocketListenBacklogSize, (o, v) => o.SocketListenBacklogSize = v,
            "Connections the kernel queues before the broker accepts them (Kafka's default is 50; a burst of clients at start wants more).", AtLeast(1)),
        Long("socket.request.frame.timeout.ms", 60_000, o => o.SocketRequestFrameTimeoutMs, (o, v) => o.SocketRequestFrameTimeoutMs = v,
            "A request frame must arrive whole this long after its first byte, or its connection closes (slow-loris). "
            + "Twice the clients' request.timeout.ms, after which they give up anyway.", AtLeast(1L)).Ours(),
        Long("queued.max.request.bytes", 512L * MiB, o => o.QueuedMaxRequestBytes, (o, v) => o.QueuedMaxRequestBytes = v,
            "Request bytes all connections may hold together (from a frame's size until its answer); when spent, connections stop "
            + "reading until memory is freed. Kafka's default is -1 (unbounded), which is accepted; ours is 512 MiB. A frame larger "
            + "than the budget is admitted when nothing else is in flight.",
            (_, v) => v is -1 or >= 1 ? null : Invariant($"must be -1 (unbounded) or >= 1, got {v}")),
        Int("fetch.max.bytes", 55 * MiB, o => o.FetchMaxBytes, (o, v) => o.FetchMaxBytes = v,
            "The most record bytes in one Fetch response, whatever the client asks (a first batch larger than that still comes whole, as in Kafka).", AtLeast(1024)),
        Long("replica.lag.time.max.ms", 30_000, o => o.ReplicaLagTimeMaxMs, (o, v) => o.ReplicaLagTimeMaxMs = v,
            "A follower that has not caught up with the leader's log end for this long leaves the ISR.", AtLeast(1L)),
        Int("replica.fetch.max.bytes", MiB, o => o.ReplicaFetchMaxBytes, (o, v) => o.ReplicaFetchMaxBytes = v,
            "Bytes a follower asks for per partition in one fetch (a first batch larger than that still comes whole).", AtLeast(1024)),
        Int("replica.fetch.response.max.bytes", 10 * MiB, o => o.ReplicaFetchResponseMaxBytes, (o, v) => o.ReplicaFetchResponseMaxBytes = v,
            "Bytes a follower asks for in one fetch over all its partitions.", AtLeast(1024)),
        Int("replica.fetch.wait.max.ms", 500, o => o.ReplicaFetchWaitMaxMs, (o, v) => o.ReplicaFetchWaitMaxMs = v,
            "How long a follower's fetch waits at the leader's log end for new records.", AtLeast(0)),
        Long("replica.high.watermark.checkpoint.interval.ms", 5_000, o => o.ReplicaHighWatermarkCheckpointIntervalMs, (o, v) => o.ReplicaHighWatermarkCheckpointIntervalMs = v,
            "How often the high watermarks of the replicas are written to replication-offset-checkpoint in the data directory (also at a clean shutdown); a restarted replica starts from them.", AtLeast(1L)),
        Int("replica.fetch.backoff.ms", 1_000, o => o.ReplicaFetchBackoffMs, (o, v) => o.ReplicaFetchBackoffMs = v,
            "A follower's pause after a failed fetch (the leader unreachable, or not yet the leader it expects).", AtLeast(0)),
        Int("max.connections", int.MaxValue, o => o.MaxConnections, (o, v) => o.MaxConnections = v,
            "Open client connections; at the limit the listener accepts no more until one closes. Lowered at start to what the open-file limit leaves room for (64 descriptors stay free).", AtLeast(1)),
        Int("max.connections.per.ip", int.MaxValue, o => o.MaxConnectionsPerIp, (o, v) => o.MaxConnectionsPerIp = v,
            "Connections from one address; one more is closed at once. May be 0 only with max.connections.per.ip.overrides.",
            (o, v) => AtLeast(0)(o, v) ?? (v > 0 || HasOverrides(o) ? null : "may be 0 only with max.connections.per.ip.overrides")),
        Text("max.connections.per.ip.overrides", "", o => o.MaxConnectionsPerIpOverrides, (o, v) => o.MaxConnectionsPerIpOverrides = v!,
            "Per-address connection limits: host:count,host:count (IPs or names).", (_, v) =>
            {
                // Throws, naming the key, on a bad entry.
                Network.ConnectionLimits.ParseOverrides(v);
                return null;
            }),
        Long("connections.max.idle.ms", 600_000, o => o.ConnectionsMaxIdleMs, (o, v) => o.ConnectionsMaxIdleMs = v,
            "A connection with nothing read or sent this long, and no request in progress, is closed.", AtLeast(1L)),
        Bool("delete.topic.enable", true, o => o.DeleteTopicEnable, (o, v) => o.DeleteTopicEnable = v, "Allow DeleteTopics."),
        Long("producer.id.expiration.ms", 86_400_000, o => o.ProducerIdExpirationMs, (o, v) => o.ProducerIdExpirationMs = v,
            "An idempotent producer idle this long (by its batches' timestamps) loses its per-partition state.", AtLeast(1L)),
        Long("producer.id.expiration.check.interval.ms", 600_000, o => o.ProducerIdExpirationCheckIntervalMs, (o, v) => o.ProducerIdExpirationCheckIntervalMs = v,
            "How often expired producers are removed.", AtLeast(1L)),
        Int("transaction.state.log.num.partitions", 50, o => o.TransactionStateLogNumPartitions, (o, v) => o.TransactionStateLogNumPartitions = v,
            "Partitions of the internal, compacted __transaction_state topic (fixed once it exists).", AtLeast(1)),
        Int("transaction.state.log.segment.bytes", 100 * MiB, o => o.TransactionStateLogSegmentBytes, (o, v) => o.TransactionStateLogSegmentBytes = v,
            "Segment size of __transaction_state.", AtLeast(1)),
        Int("transaction.max.timeout.ms", 900_000, o => o.TransactionMaxTimeoutMs, (o, v) => o.TransactionMaxTimeoutMs = v,
            "The largest transaction.timeout.ms a producer may ask for (else INVALID_TRANSACTION_TIMEOUT).", AtLeast(1)),
        Long("transaction.abort.timed.out.transaction.cleanup.interval.ms", 10_000,
            o => o.TransactionAbortTimedOutTransactionCleanupIntervalMs, (o, v) => o.TransactionAbortTimedOutTransactionCleanupIntervalMs = v,
            "How often open transactions past their timeout are aborted (the producer is fenced by an epoch bump).", AtLeast(1L)),
        Long("transactional.id.expiration.ms", 604_800_000, o => o.TransactionalIdExpirationMs, (o, v) => o.TransactionalIdExpirationMs = v,
            "A transactional id with no transaction open whose state has not changed this long is removed (tombstoned in __transaction_state), "
            + "so its next InitProducerId starts afresh.", AtLeast(1L)),
        Long("transaction.remove.expired.transaction.cleanup.interval.ms", 3_600_000,
            o => o.TransactionRemoveExpiredTransactionCleanupIntervalMs, (o, v) => o.TransactionRemoveExpiredTransactionCleanupIntervalMs = v,
            "How often expired transactional ids are removed.", AtLeast(1L)),
        Long("log.retention.check.interval.ms", 300_000, o => o.LogRetentionCheckIntervalMs, (o, v) => o.LogRetentionCheckIntervalMs = v,
            "How often retention runs.", AtLeast(1L)),
        Int("offsets.topic.num.partitions", 50, o => o.OffsetsTopicNumPartitions, (o, v) => o.OffsetsTopicNumPartitions = v,
            "Partitions of the internal, compacted __consumer_offsets topic (fixed once it exists); a group lives on abs(hash(group.id)) % partitions, as in Kafka.", AtLeast(1)),
        Int("offsets.topic.segment.bytes", 100 * MiB, o => o.OffsetsTopicSegmentBytes, (o, v) => o.OffsetsTopicSegmentBytes = v,
            "Segment size of __consumer_offsets, small so compaction keeps it short.", AtLeast(1024)),
        Long("offsets.retention.minutes", 7 * 24 * 60, o => o.OffsetsRetentionMinutes, (o, v) => o.OffsetsRetentionMinutes = v,
            "How long an empty group's committed offsets are kept (and offsets of topics a stable consumer group no longer reads).", AtLeast(1L)),
        Long("offsets.retention.check.interval.ms", 600_000, o => o.OffsetsRetentionCheckIntervalMs, (o, v) => o.OffsetsRetentionCheckIntervalMs = v,
            "How often expired offsets and empty groups are removed (tombstones; compaction drops them).", AtLeast(1L)),
        Int("offset.metadata.max.bytes", 4096, o => o.OffsetMetadataMaxBytes, (o, v) => o.OffsetMetadataMaxBytes = v,
            "Longer commit metadata gets OFFSET_METADATA_TOO_LARGE.", AtLeast(0)),
        Int("group.min.session.timeout.ms", 6_000, o => o.GroupMinSessionTimeoutMs, (o, v) => o.GroupMinSessionTimeoutMs = v,
            "The shortest session timeout a member may ask for (else INVALID_SESSION_TIMEOUT).", AtLeast(0)),
        Int("group.max.session.timeout.ms", 1_800_000, o => o.GroupMaxSessionTimeoutMs, (o, v) => o.GroupMaxSessionTimeoutMs = v,
            "The longest session timeout a member may ask for (else INVALID_SESSION_TIMEOUT).",
            (o, v) => v >= o.GroupMinSessionTimeoutMs ? null : Invariant($"must be >= group.min.session.timeout.ms ({o.GroupMinSessionTimeoutMs}), got {v}")),
        Int("group.initial.rebalance.delay.ms", 3_000, o => o.GroupInitialRebalanceDelayMs, (o, v) => o.GroupInitialRebalanceDelayMs = v,
            "How long the first rebalance of an empty group waits for more members.", AtLeast(0)),
        Int("group.max.size", int.MaxValue, o => o.GroupMaxSize, (o, v) => o.GroupMaxSize = v,
            "Members per group (else GROUP_MAX_SIZE_REACHED).", AtLeast(1)).Shown("unlimited"),
        Int("max.partitions.per.request", 10_000, o => o.MaxPartitionsPerRequest, (o, v) => o.MaxPartitionsPerRequest = v,
            "The most partitions one topic of a CreateTopics, a CreatePartitions or an auto-creation may add (else INVALID_PARTITIONS, nothing created): "
            + "every partition costs a directory and open files, so a typo like 2000000 must not take the broker down.", AtLeast(1)).Ours(),
        Int("max.partitions", 100_000, o => o.MaxPartitions, (o, v) => o.MaxPartitions = v,
            "The most partitions the broker holds, internal topics included (else POLICY_VIOLATION, nothing created).", AtLeast(1)).Ours(),
        Int("max.open.segment.files", 8192, o => o.MaxOpenSegmentFiles, (o, v) => o.MaxOpenSegmentFiles = v,
            "Segment files kept open while idle; older ones close and reopen on demand (0: all stay open). "
            + "The broker warns at start if the open-file limit is below its estimated needs.", AtLeast(0)).Ours(),
        Int("log.direct.append.window.bytes", Platform.Storage.PhysicalFileSystem.DefaultTailBytes, o => o.LogDirectAppendWindowBytes, (o, v) => o.LogDirectAppendWindowBytes = v,
            "Segment files are appended with O_DIRECT through a window of their last bytes this large (a multiple of 4096, at least 8192; tail reads come from it), "
            + "so appends take no page-cache pages; appends are written from the window several at a time (once 256 KiB are pending, before an fsync, or 5 ms after the first); "
            + "0: buffered appends through the page cache.",
            (_, v) => v == 0 || (v >= 8192 && v % 4096 == 0) ? null : "must be 0 or a multiple of 4096 of at least 8192").Ours(),
        Int("log.direct.append.windows", Platform.Storage.PhysicalFileSystem.DefaultMaxTails, o => o.LogDirectAppendWindows, (o, v) => o.LogDirectAppendWindows = v,
            "Segment files holding an append window at once (the least recently appended one gives its window up, and appends through the page cache until it had no append for a second), which bounds their memory.", AtLeast(1)).Ours(),
        Long("log.direct.cache.bytes", Platform.Storage.PhysicalFileSystem.DefaultCacheBytes, o => o.LogDirectCacheBytes, (o, v) => o.LogDirectCacheBytes = v,
            "Memory, all partitions together, for recently appended log data the append windows slide off, so consumers a little behind the tail read from memory, "
            + "not the disk; the oldest goes first. A large read from the disk keeps what it read ahead here too (one window per file). Below one window (plus 4096), none is kept.", AtLeast(0L)).Ours(),
        Bool("log.cleaner.enable", true, o => o.LogCleanerEnable, (o, v) => o.LogCleanerEnable = v, "Compact logs whose cleanup.policy contains compact."),
        Int("log.cleaner.threads", 1, o => o.LogCleanerThreads, (o, v) => o.LogCleanerThreads = v, "Logs compacted at the same time.", AtLeast(1)),
        Long("log.cleaner.backoff.ms", 15_000, o => o.LogCleanerBackoffMs, (o, v) => o.LogCleanerBackoffMs = v, "The cleaner's pause between passes over the logs.", AtLeast(1L)),
        Long("log.cleaner.dedupe.buffer.size", 128L * MiB, o => o.LogCleanerDedupeBufferSize, (o, v) => o.LogCleanerDedupeBufferSize = v,
            "Memory of the cleaner threads' key maps together: keys mapped per cleaning.",
            (o, v) => v >= o.LogCleanerThreads * (long)MiB ? null : Invariant($"must give each of the {o.LogCleanerThreads} cleaner threads at least 1 MiB, got {v}")),
        Double("log.cleaner.io.buffer.load.factor", 0.9, o => o.LogCleanerIoBufferLoadFactor, (o, v) => o.LogCleanerIoBufferLoadFactor = v,
            "How full a key map may get.", (_, v) => v is > 0 and <= 1 ? null : Invariant($"must be in (0, 1], got {v}")),
        Int("log.cleaner.io.buffer.size", 512 * 1024, o => o.LogCleanerIoBufferSize, (o, v) => o.LogCleanerIoBufferSize = v,
            "Cleaned bytes collected before one write.", AtLeast(1024)),
        Double("log.cleaner.io.max.bytes.per.second", double.MaxValue, o => o.LogCleanerIoMaxBytesPerSecond, (o, v) => o.LogCleanerIoMaxBytesPerSecond = v,
            "The cleaner's I/O throttle (bytes read, all threads together).", (_, v) => v > 0 ? null : Invariant($"must be > 0, got {v}")).Shown("unlimited"),
        Int("num.recovery.threads.per.data.dir", Environment.ProcessorCount, o => o.NumRecoveryThreadsPerDataDir, (o, v) => o.NumRecoveryThreadsPerDataDir = v,
            "Logs opened (and recovered) in parallel at start.", AtLeast(1)).Shown("processor count"),
        Long("log.flush.offset.checkpoint.interval.ms", 60_000, o => o.LogFlushOffsetCheckpointIntervalMs, (o, v) => o.LogFlushOffsetCheckpointIntervalMs = v,
            "How often recovery points are written.", AtLeast(1L)),
        Long("log.flush.scheduler.interval.ms", 1_000, o => o.LogFlushSchedulerIntervalMs, (o, v) => o.LogFlushSchedulerIntervalMs = v,
            "How often logs are checked against flush.ms (Kafka's default leaves it to the OS; ours checks every second).", AtLeast(1L)),
        Short("offsets.topic.replication.factor", 3, o => o.OffsetsTopicReplicationFactor, (o, v) => o.OffsetsTopicReplicationFactor = v,
            "Replicas of __consumer_offsets in a cluster (etcd.endpoints); until that many brokers are alive FindCoordinator answers COORDINATOR_NOT_AVAILABLE. A single broker uses 1."),
        Short("transaction.state.log.replication.factor", 3, o => o.TransactionStateLogReplicationFactor, (o, v) => o.TransactionStateLogReplicationFactor = v,
            "Replicas of __transaction_state in a cluster (etcd.endpoints), as offsets.topic.replication.factor. A single broker uses 1."),
        Short("transaction.state.log.min.isr", 2, o => o.TransactionStateLogMinIsr, (o, v) => o.TransactionStateLogMinIsr = v,
            "min.insync.replicas of __transaction_state in a cluster (at most its replication factor), so a transaction's state is acknowledged only once that many replicas have it. A single broker uses 1."),

        // The cluster (issue 12): off, and the broker runs alone as before, until etcd.endpoints names an etcd.
        Text("etcd.endpoints", null, o => o.EtcdEndpoints, (o, v) => o.EtcdEndpoints = v,
            "etcd client URLs (http://host:port[,...]) holding the cluster's metadata and controller election; unset: a single broker, no cluster.",
            (_, v) => EtcdProblem(v)).Ours().Shown("none (single broker)"),
        Text("broker.rack", null, o => o.BrokerRack, (o, v) => o.BrokerRack = v,
            "This broker's rack: replicas of a partition are spread over racks when every broker has one.").Shown("none"),
        Int("broker.session.timeout.ms", 9_000, o => o.BrokerSessionTimeoutMs, (o, v) => o.BrokerSessionTimeoutMs = v,
            "The etcd lease of the broker's registration: a broker not heard from this long (rounded up to whole seconds) is out of the cluster and its leaderships move.",
            AtLeast(1000)),
        Bool("auto.leader.rebalance.enable", true, o => o.AutoLeaderRebalanceEnable, (o, v) => o.AutoLeaderRebalanceEnable = v,
            "The controller moves leadership back to the preferred replicas of brokers over leader.imbalance.per.broker.percentage."),
        Int("leader.imbalance.per.broker.percentage", 10, o => o.LeaderImbalancePerBrokerPercentage, (o, v) => o.LeaderImbalancePerBrokerPercentage = v,
            "The share of a broker's preferred partitions led elsewhere that triggers a rebalance.", (_, v) => v is >= 0 and <= 100 ? null : Invariant($"must be from 0 to 100, got {v}")),
        Long("leader.imbalance.check.interval.seconds", 300, o => o.LeaderImbalanceCheckIntervalSeconds, (o, v) => o.LeaderImbalanceCheckIntervalSeconds = v,
            "How often the controller checks the leader imbalance.", AtLeast(1L)),

        // The broker-wide defaults of every topic config, then Kafka's coarser spellings of two of them.
        .. LogConfig.Definitions.Select(TopicDefault),
        ScaledTopicDefault("log.retention.minutes", LogConfig.RetentionMsConfig, 60_000, null, "log.retention.ms in minutes, used when log.retention.ms is not set."),
        ScaledTopicDefault("log.retention.hours", LogConfig.RetentionMsConfig, 3_600_000, "168", "log.retention.ms in hours, used when log.retention.ms and log.retention.minutes are not set."),
        ScaledTopicDefault("log.roll.hours", LogConfig.SegmentMsConfig, 3_600_000, "168", "log.roll.ms in hours, used when log.roll.ms is not set."),
        ScaledTopicDefault("log.roll.jitter.hours", LogConfig.SegmentJitterMsConfig, 3_600_000, "0", "log.roll.jitter.ms in hours, used when log.roll.jitter.ms is not set."),
    ];

    private static readonly FrozenDictionary<string, BrokerSetting> SettingsByKey = Settings
        .SelectMany(s => s.Aliases.Prepend(s.Name).Select(key => (Key: key, Setting: s)))
        .ToFrozenDictionary(p => p.Key, p => p.Setting, StringComparer.Ordinal);

    /// <summary>The setting <paramref name="key"/> (a name or an alias) binds, or null if it is none of ours.</summary>
    public static BrokerSetting? FindSetting(string key) => SettingsByKey.GetValueOrDefault(key);

    private static BrokerSetting.Property<int> Int(string name, int defaultValue, Func<BrokerOptions, int> get, Action<BrokerOptions, int> set, string documentation, Func<BrokerOptions, int, string?>? check = null)
        => new(name, ConfigType.Int, defaultValue, get, set, v => int.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), Format, documentation, check);

    private static BrokerSetting.Property<short> Short(string name, short defaultValue, Func<BrokerOptions, short> get, Action<BrokerOptions, short> set, string documentation)
        => new(name, ConfigType.Int, defaultValue, get, set, v => short.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), Format, documentation, AtLeast<short>(1));

    private static string? EtcdProblem(string? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            Platform.Cluster.EtcdEndpoints.Parse(value);
            return null;
        }
        catch (FormatException e)
        {
            // The parser's message starts with the key, which the caller adds again.
            return e.Message.Replace("etcd.endpoints: ", "", StringComparison.Ordinal);
        }
    }

    private static BrokerSetting.Property<long> Long(string name, long defaultValue, Func<BrokerOptions, long> get, Action<BrokerOptions, long> set, string documentation, Func<BrokerOptions, long, string?>? check = null)
        => new(name, ConfigType.Long, defaultValue, get, set, v => long.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), Format, documentation, check);

    private static BrokerSetting.Property<double> Double(string name, double defaultValue, Func<BrokerOptions, double> get, Action<BrokerOptions, double> set, string documentation, Func<BrokerOptions, double, string?>? check = null)
        => new(name, ConfigType.Double, defaultValue, get, set, v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture), Format, documentation, check);

    private static BrokerSetting.Property<bool> Bool(string name, bool defaultValue, Func<BrokerOptions, bool> get, Action<BrokerOptions, bool> set, string documentation)
        => new(name, ConfigType.Boolean, defaultValue, get, set,
            v => bool.TryParse(v, out var result) ? result : throw new FormatException($"'{v}' is not true or false"), v => v ? "true" : "false", documentation, null);

    private static BrokerSetting.Property<string?> Text(
        string name, string? defaultValue, Func<BrokerOptions, string?> get, Action<BrokerOptions, string?> set, string documentation,
        Func<BrokerOptions, string?, string?>? check = null, Func<string, string>? parse = null, Func<string?, string?>? format = null)
        => new(name, ConfigType.String, defaultValue, get, set, parse ?? (v => v), format ?? (v => v), documentation, check);

    private static BrokerSetting TopicDefault(ConfigDefinition topic)
    {
        var name = TopicConfigSynonyms.BrokerName(topic.Name);
        var setting = new BrokerSetting.TopicDefault(name, topic, documentation: $"Broker-wide default of the topic config {topic.Name}: {topic.Documentation}");

        if (name != topic.Name)
        {
            // The topic-level name is accepted too, as it always has been.
            setting.Also(topic.Name);
        }

        // log.write.caching (Redpanda's write.caching) and the topic-only throttles are not Kafka's broker keys.
        return KafkaBrokerConfigNames.Contains(name) ? setting : setting.Ours();
    }

    private static BrokerSetting.TopicDefault ScaledTopicDefault(string name, string topicName, long scale, string? defaultValue, string documentation)
        => new BrokerSetting.TopicDefault(name, LogConfig.FindDefinition(topicName)!, scale, defaultValue, documentation);

    private static Func<BrokerOptions, T, string?> AtLeast<T>(T min)
        where T : INumber<T>
        => (_, v) => v >= min ? null : Invariant($"must be >= {min}, got {v}");

    private static string Format<T>(T value)
        where T : IFormattable
        => value.ToString(null, CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>listeners</c> as DescribeConfigs shows it, with the scheme.</summary>
    private static string? Listener(string? value) => value is null ? null : "PLAINTEXT://" + value;

    /// <summary>The first listener of a list, without its scheme (<c>PLAINTEXT://host:9092</c> is <c>host:9092</c>).</summary>
    private static string StripScheme(string value)
    {
        var first = value.Split(',', StringSplitOptions.TrimEntries)[0];
        var scheme = first.IndexOf("://", StringComparison.Ordinal);
        return scheme >= 0 ? first[(scheme + 3)..] : first;
    }

    private static string? HostProblem(string value)
    {
        var (host, _) = ParseHostPort(value, "listeners");
        return host.Length > 0 && (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) != UriHostNameType.Unknown)
            ? null
            : $"'{host}' is not a host name or IP address";
    }

    private static bool HasOverrides(BrokerOptions options)
    {
        try
        {
            return Network.ConnectionLimits.ParseOverrides(options.MaxConnectionsPerIpOverrides).Count > 0;
        }
        catch (OptionsValidationException)
        {
            return true; // reported under max.connections.per.ip.overrides
        }
    }

    private static string? AdvertisedProblem(string value)
        => ParseHostPort(value, "advertised.listeners").Port > 0 ? null : "must name a real port, not 0";
}
