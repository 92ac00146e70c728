namespace Platform.Streams;

public sealed partial class StreamsConfig
{
    /// <summary><c>application.id</c>.</summary>
    public const string ApplicationIdConfig = "application.id";

    /// <summary><c>bootstrap.servers</c>.</summary>
    public const string BootstrapServersConfig = "bootstrap.servers";

    /// <summary><c>application.server</c>.</summary>
    public const string ApplicationServerConfig = "application.server";

    /// <summary><c>client.id</c>.</summary>
    public const string ClientIdConfig = "client.id";

    /// <summary><c>num.stream.threads</c>.</summary>
    public const string NumStreamThreadsConfig = "num.stream.threads";

    /// <summary><c>processing.guarantee</c>.</summary>
    public const string ProcessingGuaranteeConfig = "processing.guarantee";

    /// <summary><c>commit.interval.ms</c>.</summary>
    public const string CommitIntervalMsConfig = "commit.interval.ms";

    /// <summary><c>statestore.cache.max.bytes</c>.</summary>
    public const string StateStoreCacheMaxBytesConfig = "statestore.cache.max.bytes";

    /// <summary><c>cache.max.bytes.buffering</c> (the older name of <c>statestore.cache.max.bytes</c>).</summary>
    public const string CacheMaxBytesBufferingConfig = "cache.max.bytes.buffering";

    /// <summary><c>state.dir</c>.</summary>
    public const string StateDirConfig = "state.dir";

    /// <summary><c>num.standby.replicas</c>.</summary>
    public const string NumStandbyReplicasConfig = "num.standby.replicas";

    /// <summary><c>replication.factor</c>.</summary>
    public const string ReplicationFactorConfig = "replication.factor";

    /// <summary><c>default.key.serde</c>.</summary>
    public const string DefaultKeySerdeConfig = "default.key.serde";

    /// <summary><c>default.value.serde</c>.</summary>
    public const string DefaultValueSerdeConfig = "default.value.serde";

    /// <summary><c>default.timestamp.extractor</c>.</summary>
    public const string DefaultTimestampExtractorConfig = "default.timestamp.extractor";

    /// <summary><c>default.deserialization.exception.handler</c>.</summary>
    public const string DefaultDeserializationExceptionHandlerConfig = "default.deserialization.exception.handler";

    /// <summary><c>default.production.exception.handler</c>.</summary>
    public const string DefaultProductionExceptionHandlerConfig = "default.production.exception.handler";

    /// <summary><c>processing.exception.handler</c>.</summary>
    public const string ProcessingExceptionHandlerConfig = "processing.exception.handler";

    /// <summary><c>errors.dead.letter.queue.topic.name</c>.</summary>
    public const string DeadLetterQueueTopicNameConfig = "errors.dead.letter.queue.topic.name";

    /// <summary><c>max.task.idle.ms</c>.</summary>
    public const string MaxTaskIdleMsConfig = "max.task.idle.ms";

    /// <summary><c>buffered.records.per.partition</c>.</summary>
    public const string BufferedRecordsPerPartitionConfig = "buffered.records.per.partition";

    /// <summary><c>poll.ms</c>.</summary>
    public const string PollMsConfig = "poll.ms";

    /// <summary><c>topology.optimization</c>.</summary>
    public const string TopologyOptimizationConfig = "topology.optimization";

    /// <summary>
    /// The <c>topology.optimization</c> that counts per key in front of a repartition topic feeding a <c>Count</c>
    /// and sends partial counts (on by default: results are the same, only intermediate updates are fewer).
    /// </summary>
    public const string CombineBeforeRepartition = "combine.before.repartition";

    /// <summary><c>default.dsl.store</c>.</summary>
    public const string DefaultDslStoreConfig = "default.dsl.store";

    /// <summary><c>acceptable.recovery.lag</c>.</summary>
    public const string AcceptableRecoveryLagConfig = "acceptable.recovery.lag";

    /// <summary><c>max.warmup.replicas</c>.</summary>
    public const string MaxWarmupReplicasConfig = "max.warmup.replicas";

    /// <summary><c>probing.rebalance.interval.ms</c>.</summary>
    public const string ProbingRebalanceIntervalMsConfig = "probing.rebalance.interval.ms";

    /// <summary><c>state.cleanup.delay.ms</c>.</summary>
    public const string StateCleanupDelayMsConfig = "state.cleanup.delay.ms";

    /// <summary><c>task.timeout.ms</c>.</summary>
    public const string TaskTimeoutMsConfig = "task.timeout.ms";

    /// <summary><c>windowstore.changelog.additional.retention.ms</c>.</summary>
    public const string WindowStoreChangelogAdditionalRetentionMsConfig = "windowstore.changelog.additional.retention.ms";

    /// <summary><c>metrics.recording.level</c>.</summary>
    public const string MetricsRecordingLevelConfig = "metrics.recording.level";

    /// <summary><c>at_least_once</c>.</summary>
    public const string AtLeastOnce = "at_least_once";

    /// <summary><c>exactly_once_v2</c>.</summary>
    public const string ExactlyOnceV2 = "exactly_once_v2";

    /// <summary>Prefixes of settings passed to the embedded clients (Kafka's names).</summary>
    public static IReadOnlyList<string> ClientPrefixes { get; } =
        ["consumer.", "main.consumer.", "restore.consumer.", "global.consumer.", "producer.", "admin."];

    /// <summary>Every Streams setting, in Kafka's names with Kafka's defaults.</summary>
    public static IReadOnlyList<StreamsConfigDefinition> Definitions { get; } =
    [
        new(AcceptableRecoveryLagConfig, StreamsConfigType.Long, "10000", "Changelog lag under which a warm replica counts as caught up.", AtLeast(0)),
        new(ApplicationIdConfig, StreamsConfigType.String, null, "The application's id: the consumer group, the prefix of internal topics and the state directory.", ValidApplicationId),
        new(ApplicationServerConfig, StreamsConfigType.String, "", "host:port where this instance serves interactive queries.", HostPortOrEmpty),
        new(BootstrapServersConfig, StreamsConfigType.List, null, "Initial brokers, host:port[,host:port...]."),
        new(BufferedRecordsPerPartitionConfig, StreamsConfigType.Int, "1000", "Records buffered per input partition before it is paused.", AtLeast(1)),
        new(CacheMaxBytesBufferingConfig, StreamsConfigType.Long, null, "Older name of statestore.cache.max.bytes.", AtLeast(0)),
        new(ClientIdConfig, StreamsConfigType.String, "", "Prefix of the embedded clients' ids."),
        new(CommitIntervalMsConfig, StreamsConfigType.Long, "30000", "How often tasks commit (100 under exactly_once_v2 unless set).", AtLeast(0)),
        new(DeadLetterQueueTopicNameConfig, StreamsConfigType.String, null, "Topic that receives records the error handlers skip, with the failure in headers."),
        new(DefaultDeserializationExceptionHandlerConfig, StreamsConfigType.Class, "LogAndFail", "What to do with records that cannot be deserialized: LogAndFail, LogAndContinue or a type."),
        new(DefaultDslStoreConfig, StreamsConfigType.String, "rocksDB", "Store type of DSL stores: rocksDB or in_memory.", OneOf("rocksDB", "in_memory")),
        new(DefaultKeySerdeConfig, StreamsConfigType.Class, null, "Serde of keys where an operator gives none."),
        new(DefaultProductionExceptionHandlerConfig, StreamsConfigType.Class, "Default", "What to do when a record cannot be written: Default (fail) or a type."),
        new(DefaultTimestampExtractorConfig, StreamsConfigType.Class, "FailOnInvalidTimestamp", "Gives records their timestamps: FailOnInvalidTimestamp, LogAndSkipOnInvalidTimestamp, UsePartitionTimeOnInvalidTimestamp, WallclockTimestampExtractor or a type."),
        new(DefaultValueSerdeConfig, StreamsConfigType.Class, null, "Serde of values where an operator gives none."),
        new(MaxTaskIdleMsConfig, StreamsConfigType.Long, "0", "How long a task waits for data on all its partitions before processing out of order (-1: never wait).", AtLeast(-1)),
        new(MaxWarmupReplicasConfig, StreamsConfigType.Int, "2", "Warm-up replicas moving at once.", AtLeast(1)),
        new(MetricsRecordingLevelConfig, StreamsConfigType.String, "INFO", "INFO, DEBUG or TRACE.", OneOf("INFO", "DEBUG", "TRACE")),
        new(NumStandbyReplicasConfig, StreamsConfigType.Int, "0", "Standby replicas per stateful task.", AtLeast(0)),
        new(NumStreamThreadsConfig, StreamsConfigType.Int, "1", "Stream threads per instance.", AtLeast(1)),
        new(PollMsConfig, StreamsConfigType.Long, "100", "How long a poll waits for input (never past the next commit).", AtLeast(0)),
        new(ProbingRebalanceIntervalMsConfig, StreamsConfigType.Long, "600000", "How often to rebalance while warm-ups catch up.", AtLeast(60000)),
        new(ProcessingExceptionHandlerConfig, StreamsConfigType.Class, "LogAndFail", "What to do when a processor throws: LogAndFail, LogAndContinue or a type."),
        new(ProcessingGuaranteeConfig, StreamsConfigType.String, AtLeastOnce, "at_least_once or exactly_once_v2.", OneOf(AtLeastOnce, ExactlyOnceV2)),
        new(ReplicationFactorConfig, StreamsConfigType.Int, "-1", "Replication factor of internal topics (-1: the broker's default).", NotZero),
        new(StateCleanupDelayMsConfig, StreamsConfigType.Long, "600000", "Age of unused task directories before they are removed.", AtLeast(0)),
        new(StateDirConfig, StreamsConfigType.String, Path.Combine(Path.GetTempPath(), "kafka-streams"), "Where persistent stores live."),
        new(StateStoreCacheMaxBytesConfig, StreamsConfigType.Long, "10485760", "Record cache bytes per instance, shared by the stream threads.", AtLeast(0)),
        new(TaskTimeoutMsConfig, StreamsConfigType.Long, "300000", "How long a task may stall on client errors before failing.", AtLeast(0)),
        new(TopologyOptimizationConfig, StreamsConfigType.String, CombineBeforeRepartition, "none, all, or a comma-separated list of: " + CombineBeforeRepartition + ".", Optimizations),
        new(WindowStoreChangelogAdditionalRetentionMsConfig, StreamsConfigType.Long, "86400000", "Added to window changelogs' retention.ms.", AtLeast(0)),
    ];

    // Unprefixed keys the embedded clients accept, so they are handed over instead of warned about.
    private static readonly HashSet<string> ConsumerKeys =
    [
        "bootstrap.servers", "client.id", "group.id", "request.timeout.ms", "socket.connection.setup.timeout.ms",
        "fetch.min.bytes", "fetch.max.wait.ms", "max.partition.fetch.bytes", "fetch.max.bytes", "max.poll.records",
        "isolation.level", "auto.offset.reset", "check.crcs", "enable.partition.eof", "metadata.max.age.ms",
        "retry.backoff.ms", "receive.buffer.bytes", "group.instance.id", "enable.auto.commit", "auto.commit.interval.ms",
        "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "partition.assignment.strategy",
        "internal.leave.group.on.close",
    ];

    private static readonly HashSet<string> ProducerKeys =
    [
        "bootstrap.servers", "client.id", "acks", "linger.ms", "batch.size", "buffer.memory", "max.block.ms",
        "max.in.flight.requests.per.connection", "retries", "retry.backoff.ms", "delivery.timeout.ms",
        "request.timeout.ms", "compression.type", "compression.level", "max.request.size", "metadata.max.age.ms",
        "partitioner", "enable.idempotence", "socket.connection.setup.timeout.ms", "allow.auto.create.topics",
        "transaction.timeout.ms", "transactional.id",
    ];

    private static readonly HashSet<string> AdminKeys =
    [
        "bootstrap.servers", "client.id", "request.timeout.ms", "socket.connection.setup.timeout.ms",
    ];

    private static readonly Dictionary<string, StreamsConfigDefinition> DefinitionsByName = BuildIndex();

    /// <summary>The definition of <paramref name="name"/>, or null if it is not a Streams setting.</summary>
    public static StreamsConfigDefinition? FindDefinition(string name) => DefinitionsByName.GetValueOrDefault(name);

    private static Dictionary<string, StreamsConfigDefinition> BuildIndex()
    {
        var index = new Dictionary<string, StreamsConfigDefinition>(StringComparer.Ordinal);
        foreach (var definition in Definitions)
        {
            index.Add(definition.Name, definition);
        }

        return index;
    }

    private static Func<string, string?> AtLeast(long minimum)
        => value => long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) >= minimum ? null : $"must be at least {minimum}, got {value}.";

    private static Func<string, string?> OneOf(params string[] allowed)
        => value => Array.IndexOf(allowed, value) >= 0 ? null : $"must be one of {string.Join(", ", allowed)}, got '{value}'.";

    private static string? Optimizations(string value)
    {
        if (value is "none" or "all")
        {
            return null;
        }

        foreach (var name in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (name != CombineBeforeRepartition)
            {
                return $"must be none, all, or a comma-separated list of: {CombineBeforeRepartition}; '{name}' is none of them.";
            }
        }

        return null;
    }

    private static string? NotZero(string value) => value == "0" ? "must be -1 (the broker's default) or at least 1." : null;

    private static string? ValidApplicationId(string value)
    {
        if (value.Length == 0)
        {
            return "must not be empty.";
        }

        foreach (var c in value)
        {
            // It becomes a prefix of topic names, so it follows Kafka's topic name rules.
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"may only hold ASCII letters, digits, '.', '_' and '-' (it prefixes internal topic names), got '{value}'.";
            }
        }

        return null;
    }

    private static string? HostPortOrEmpty(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), out var port) && port is > 0 and < 65536
            ? null
            : $"must be host:port, got '{value}'.";
    }
}
