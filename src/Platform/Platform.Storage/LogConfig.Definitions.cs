using static Platform.Storage.ConfigDefinition;

namespace Platform.Storage;

public sealed partial class LogConfig
{
    public const string SegmentBytesConfig = "segment.bytes";
    public const string SegmentMsConfig = "segment.ms";
    public const string SegmentJitterMsConfig = "segment.jitter.ms";
    public const string SegmentIndexBytesConfig = "segment.index.bytes";
    public const string RetentionMsConfig = "retention.ms";
    public const string RetentionBytesConfig = "retention.bytes";
    public const string CleanupPolicyConfig = "cleanup.policy";
    public const string DeleteRetentionMsConfig = "delete.retention.ms";
    public const string MinCompactionLagMsConfig = "min.compaction.lag.ms";
    public const string MaxCompactionLagMsConfig = "max.compaction.lag.ms";
    public const string MinCleanableDirtyRatioConfig = "min.cleanable.dirty.ratio";
    public const string MaxMessageBytesConfig = "max.message.bytes";
    public const string FlushMessagesConfig = "flush.messages";
    public const string FlushMsConfig = "flush.ms";
    public const string IndexIntervalBytesConfig = "index.interval.bytes";
    public const string MessageTimestampTypeConfig = "message.timestamp.type";
    public const string MessageTimestampBeforeMaxMsConfig = "message.timestamp.before.max.ms";
    public const string MessageTimestampAfterMaxMsConfig = "message.timestamp.after.max.ms";
    public const string FileDeleteDelayMsConfig = "file.delete.delay.ms";
    public const string CompressionTypeConfig = "compression.type";
    public const string MinInSyncReplicasConfig = "min.insync.replicas";
    public const string UncleanLeaderElectionEnableConfig = "unclean.leader.election.enable";
    public const string PreallocateConfig = "preallocate";
    public const string RemoteStorageEnableConfig = "remote.storage.enable";
    public const string LocalRetentionMsConfig = "local.retention.ms";
    public const string LocalRetentionBytesConfig = "local.retention.bytes";
    public const string LeaderReplicationThrottledReplicasConfig = "leader.replication.throttled.replicas";
    public const string FollowerReplicationThrottledReplicasConfig = "follower.replication.throttled.replicas";
    public const string WriteCachingConfig = "write.caching";

    private const string MaxLong = "9223372036854775807";

    /// <summary>Every topic config, in Kafka's names with Kafka's defaults; DescribeConfigs lists these.</summary>
    public static IReadOnlyList<ConfigDefinition> Definitions { get; } =
    [
        new(CleanupPolicyConfig, ConfigType.List, "delete", "delete, compact, or both: how old segments are discarded.", ListOf("compact", "delete")),
        new(CompressionTypeConfig, ConfigType.String, "producer", "Final compression of the topic's data; producer keeps the producer's codec.",
            OneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")),
        new(DeleteRetentionMsConfig, ConfigType.Long, "86400000", "How long tombstones are kept in a compacted topic.", AtLeast(0)),
        new(FileDeleteDelayMsConfig, ConfigType.Long, "60000", "Delay before a removed segment's files are deleted.", AtLeast(0)),
        new(FlushMessagesConfig, ConfigType.Long, MaxLong, "Messages appended between forced fsyncs.", AtLeast(1)),
        new(FlushMsConfig, ConfigType.Long, MaxLong, "Milliseconds between forced fsyncs.", AtLeast(0)),
        new(FollowerReplicationThrottledReplicasConfig, ConfigType.List, "", "Replicas throttled on the follower side: partition:brokerId entries, or *.", ThrottledReplicas()),
        new(IndexIntervalBytesConfig, ConfigType.Int, "4096", "Bytes of log between offset index entries.", AtLeast(0)),
        new(LeaderReplicationThrottledReplicasConfig, ConfigType.List, "", "Replicas throttled on the leader side: partition:brokerId entries, or *.", ThrottledReplicas()),
        new(LocalRetentionBytesConfig, ConfigType.Long, "-2", "Local retention size with tiered storage (-2: retention.bytes).", AtLeast(-2)),
        new(LocalRetentionMsConfig, ConfigType.Long, "-2", "Local retention time with tiered storage (-2: retention.ms).", AtLeast(-2)),
        new(MaxCompactionLagMsConfig, ConfigType.Long, MaxLong, "Longest time a record stays uncompacted.", AtLeast(1)),
        new(MaxMessageBytesConfig, ConfigType.Int, "1048588", "Largest record batch the topic accepts.", AtLeast(0)),
        new(MessageTimestampAfterMaxMsConfig, ConfigType.Long, MaxLong, "How far a create time may be ahead of the broker's clock.", AtLeast(0)),
        new(MessageTimestampBeforeMaxMsConfig, ConfigType.Long, MaxLong, "How far a create time may be behind the broker's clock.", AtLeast(0)),
        new(MessageTimestampTypeConfig, ConfigType.String, "CreateTime", "CreateTime or LogAppendTime.", OneOf("CreateTime", "LogAppendTime")),
        new(MinCleanableDirtyRatioConfig, ConfigType.Double, "0.5", "Dirty share of the log that triggers compaction.", Between(0, 1)),
        new(MinCompactionLagMsConfig, ConfigType.Long, "0", "Shortest time a record stays uncompacted.", AtLeast(0)),
        new(MinInSyncReplicasConfig, ConfigType.Int, "1", "Replicas that must acknowledge an acks=all write.", AtLeast(1)),
        new(PreallocateConfig, ConfigType.Boolean, "false", "Preallocate segment files (not used: segments grow by append)."),
        new(RemoteStorageEnableConfig, ConfigType.Boolean, "false", "Tiered storage (not supported)."),
        new(RetentionBytesConfig, ConfigType.Long, "-1", "Largest size of the partition before old segments are deleted; -1 unlimited."),
        new(RetentionMsConfig, ConfigType.Long, "604800000", "How long a segment is kept; -1 unlimited.", AtLeast(-1)),
        new(SegmentBytesConfig, ConfigType.Int, "1073741824", "Segment file size.", AtLeast(14)),
        new(SegmentIndexBytesConfig, ConfigType.Int, "10485760", "Offset index size limit per segment.", AtLeast(4)),
        new(SegmentJitterMsConfig, ConfigType.Long, "0", "Random jitter subtracted from segment.ms.", AtLeast(0)),
        new(SegmentMsConfig, ConfigType.Long, "604800000", "Time after which a segment is rolled even if not full.", AtLeast(1)),
        new(UncleanLeaderElectionEnableConfig, ConfigType.Boolean, "false", "Allow out-of-sync replicas to become leader."),
        new(WriteCachingConfig, ConfigType.Boolean, "false",
            "false: an acks=all produce is answered, and records become readable, only once fsynced; true: both happen once in the page cache."),
    ];

    private static readonly Dictionary<string, ConfigDefinition> DefinitionsByName =
        Definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>The definition of <paramref name="name"/>, or null if it is not a topic config.</summary>
    public static ConfigDefinition? FindDefinition(string name) => DefinitionsByName.GetValueOrDefault(name);
}
