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

    /// <summary>
    /// Which partitions have a topic (the broker's topic metadata); directories of others are orphans, reported
    /// at start and not opened. Null opens every partition directory.
    /// </summary>
    public Func<string, int, bool>? IsKnownPartition { get; init; }

    /// <summary>
    /// The most segment (<c>.log</c>) files kept open while idle (see <see cref="SegmentHandleCache"/>); 0 keeps
    /// every segment open for its life.
    /// </summary>
    public int MaxOpenSegmentFiles { get; init; }

    /// <summary>log.retention.check.interval.ms (5 minutes).</summary>
    public long RetentionCheckIntervalMs { get; init; } = 300_000;

    /// <summary>How often flush.ms and delayed file deletes are checked.</summary>
    public long FlushCheckIntervalMs { get; init; } = 1_000;

    /// <summary>log.flush.offset.checkpoint.interval.ms (1 minute).</summary>
    public long RecoveryPointCheckpointIntervalMs { get; init; } = 60_000;

    /// <summary>replica.high.watermark.checkpoint.interval.ms (5 seconds).</summary>
    public long HighWatermarkCheckpointIntervalMs { get; init; } = 5_000;

    /// <summary>log.cleaner.enable.</summary>
    public bool CleanerEnable { get; init; } = true;

    /// <summary>log.cleaner.backoff.ms: pause when there is nothing to clean.</summary>
    public long CleanerBackoffMs { get; init; } = 15_000;

    /// <summary>log.cleaner.threads: logs cleaned at the same time.</summary>
    public int CleanerThreads { get; init; } = 1;

    /// <summary>log.cleaner.dedupe.buffer.size: memory for the key maps of all cleaner threads together (128 MiB).</summary>
    public long CleanerDedupeBufferSize { get; init; } = 128L * 1024 * 1024;

    /// <summary>log.cleaner.io.buffer.load.factor: how full a key map may get.</summary>
    public double CleanerDedupeBufferLoadFactor { get; init; } = 0.9;

    /// <summary>log.cleaner.io.buffer.size: bytes of cleaned batches collected before one write.</summary>
    public int CleanerIoBufferSize { get; init; } = 512 * 1024;

    /// <summary>log.cleaner.io.max.bytes.per.second: the cleaner's I/O allowance (unlimited by default).</summary>
    public double CleanerIoMaxBytesPerSecond { get; init; } = double.MaxValue;

    /// <summary>Keys one cleaning maps: the dedupe buffer split among the threads, at the load factor.</summary>
    public int CleanerMaxMapEntries
        => (int)Math.Clamp(CleanerDedupeBufferSize / Math.Max(1, CleanerThreads) / LogCleaner.BytesPerMapEntry * CleanerDedupeBufferLoadFactor, 1, int.MaxValue);

    /// <summary>producer.id.expiration.ms (1 day): a producer idle this long loses its idempotence state.</summary>
    public long ProducerIdExpirationMs { get; init; } = 86_400_000;

    /// <summary>producer.id.expiration.check.interval.ms (10 minutes).</summary>
    public long ProducerIdExpirationCheckIntervalMs { get; init; } = 600_000;

    /// <summary>Parallelism of opening logs at start (Kafka: num.recovery.threads.per.data.dir).</summary>
    public int RecoveryThreads { get; init; } = Environment.ProcessorCount;
}
