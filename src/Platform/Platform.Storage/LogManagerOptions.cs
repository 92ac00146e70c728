namespace Platform.Storage;

/// <summary>Settings of the <see cref="LogManager"/>, with the broker config names they stand for.</summary>
public sealed class LogManagerOptions
{
    /// <summary>log.dirs (one directory).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The broker's topic defaults (log.retention.ms etc. mapped to topic names).</summary>
    public LogConfig DefaultConfig { get; init; } = LogConfig.Default;

    /// <summary>The config of an existing topic when its logs are opened at start; defaults to <see cref="DefaultConfig"/>.</summary>
    public Func<string, LogConfig>? TopicConfig { get; init; }

    /// <summary>log.retention.check.interval.ms (5 minutes).</summary>
    public long RetentionCheckIntervalMs { get; init; } = 300_000;

    /// <summary>How often flush.ms and delayed file deletes are checked.</summary>
    public long FlushCheckIntervalMs { get; init; } = 1_000;

    /// <summary>log.flush.offset.checkpoint.interval.ms (1 minute).</summary>
    public long RecoveryPointCheckpointIntervalMs { get; init; } = 60_000;

    /// <summary>log.cleaner.enable.</summary>
    public bool CleanerEnable { get; init; } = true;

    /// <summary>log.cleaner.backoff.ms: pause when there is nothing to clean.</summary>
    public long CleanerBackoffMs { get; init; } = 15_000;

    /// <summary>producer.id.expiration.ms (1 day): a producer idle this long loses its idempotence state.</summary>
    public long ProducerIdExpirationMs { get; init; } = 86_400_000;

    /// <summary>producer.id.expiration.check.interval.ms (10 minutes).</summary>
    public long ProducerIdExpirationCheckIntervalMs { get; init; } = 600_000;

    /// <summary>Parallelism of opening logs at start (Kafka: num.recovery.threads.per.data.dir).</summary>
    public int RecoveryThreads { get; init; } = Environment.ProcessorCount;
}
