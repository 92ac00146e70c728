using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Storage;

namespace Platform.Broker;

/// <summary>Builds the storage layer from broker options.</summary>
internal static class BrokerStorage
{
    public static LogManager CreateLogManager(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
        var managerOptions = new LogManagerOptions
        {
            DataDirectory = options.DataDir,
            RetentionCheckIntervalMs = options.LogRetentionCheckIntervalMs,
            FlushCheckIntervalMs = options.LogFlushSchedulerIntervalMs,
            RecoveryPointCheckpointIntervalMs = options.LogFlushOffsetCheckpointIntervalMs,
            HighWatermarkCheckpointIntervalMs = options.ReplicaHighWatermarkCheckpointIntervalMs,
            RecoveryThreads = options.NumRecoveryThreadsPerDataDir,
            MaxOpenSegmentFiles = options.MaxOpenSegmentFiles,
            CleanerEnable = options.LogCleanerEnable,
            CleanerThreads = options.LogCleanerThreads,
            CleanerBackoffMs = options.LogCleanerBackoffMs,
            CleanerDedupeBufferSize = options.LogCleanerDedupeBufferSize,
            CleanerDedupeBufferLoadFactor = options.LogCleanerIoBufferLoadFactor,
            CleanerIoBufferSize = options.LogCleanerIoBufferSize,
            CleanerIoMaxBytesPerSecond = options.LogCleanerIoMaxBytesPerSecond,
            ProducerIdExpirationMs = options.ProducerIdExpirationMs,
            ProducerIdExpirationCheckIntervalMs = options.ProducerIdExpirationCheckIntervalMs,
            // Resolved lazily: the topic manager itself depends on the log manager.
            TopicConfig = topic => services.GetRequiredService<TopicManager>().ConfigFor(topic),
            IsKnownPartition = (topic, partition) => services.GetRequiredService<TopicManager>().IsKnownPartition(topic, partition),
        };
        return new LogManager(
            managerOptions,
            services.GetService<IStorageFileSystem>() ?? new PhysicalFileSystem(options.LogDirectAppendWindowBytes, options.LogDirectAppendWindows, options.LogDirectCacheBytes),
            services.GetRequiredService<ILoggerFactory>(),
            services.GetRequiredService<TimeProvider>());
    }
}
