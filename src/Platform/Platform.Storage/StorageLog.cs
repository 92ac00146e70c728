using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>Storage log messages; event ids 3000-3099.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Loaded log {Directory}: {SegmentCount} segments, log start offset {LogStartOffset}, log end offset {LogEndOffset}, in {ElapsedMs} ms")]
    public static partial void LogLoaded(this ILogger logger, string directory, int segmentCount, long logStartOffset, long logEndOffset, long elapsedMs);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Recovered segment {Segment}: truncated {Bytes} invalid bytes at its end")]
    public static partial void SegmentTruncated(this ILogger logger, string segment, long bytes);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Deleting segment {Segment} that follows a corrupt segment")]
    public static partial void SegmentDroppedAfterCorruption(this ILogger logger, string segment);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Rebuilding indexes of segment {Segment}")]
    public static partial void RebuildingIndexes(this ILogger logger, string segment);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Completing interrupted swap of segment {Segment}")]
    public static partial void CompletingSwap(this ILogger logger, string segment);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Rolled log {Directory} at offset {Offset}")]
    public static partial void Rolled(this ILogger logger, string directory, long offset);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error, Message = "I/O error appending to {Directory}; the append is rolled back")]
    public static partial void AppendFailed(this ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "I/O error flushing {Directory}")]
    public static partial void FlushFailed(this ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Deleting {SegmentCount} segments of {Directory} ({Reason}); log start offset now {LogStartOffset}")]
    public static partial void DeletingSegments(this ILogger logger, int segmentCount, string directory, string reason, long logStartOffset);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Could not delete file {Path}")]
    public static partial void DeleteFailed(this ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Cleaned {Directory}: {SegmentCount} segments, {BytesBefore} -> {BytesAfter} bytes, {RecordsRemoved} records removed")]
    public static partial void Cleaned(this ILogger logger, string directory, int segmentCount, long bytesBefore, long bytesAfter, long recordsRemoved);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Cleaning {Directory} failed")]
    public static partial void CleaningFailed(this ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Error, Message = "Log maintenance task {Task} failed")]
    public static partial void MaintenanceFailed(this ILogger logger, string task, Exception exception);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Opened {LogCount} logs under {Directory} in {ElapsedMs} ms")]
    public static partial void LogsOpened(this ILogger logger, int logCount, string directory, long elapsedMs);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "Recovering unflushed segment {Segment} (recovery point {RecoveryPoint})")]
    public static partial void RecoveringSegment(this ILogger logger, string segment, long recoveryPoint);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Log start offset checkpoint {LogStartOffset} of {Directory} is past the log end offset {LogEndOffset}")]
    public static partial void LogStartPastEnd(this ILogger logger, long logStartOffset, string directory, long logEndOffset);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "Could not write producer state snapshot {Path}")]
    public static partial void SnapshotFailed(this ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "Discarding producer state snapshot {Path}: unreadable, or past the log end offset {LogEndOffset}")]
    public static partial void SnapshotDiscarded(this ILogger logger, string path, long logEndOffset);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Information, Message = "Rebuilt producer state of {Directory} from offset {From} to {To}: {Batches} batches, {Producers} producers")]
    public static partial void ProducerStateRebuilt(this ILogger logger, string directory, long from, long to, int batches, int producers);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Error, Message = "Partition directory {Directory} could not be opened and stays offline until a restart: {Reason}")]
    public static partial void PartitionDirectoryOffline(this ILogger logger, string directory, string reason, Exception exception);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Warning, Message = "Partition directory {Directory} belongs to no known topic; it is left alone and not served")]
    public static partial void OrphanDirectory(this ILogger logger, string directory);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Moved orphan partition directory {Directory} aside to {Aside} before creating a new log there")]
    public static partial void OrphanMovedAside(this ILogger logger, string directory, string aside);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Error, Message = "Closing log {Directory} failed; it recovers at the next start")]
    public static partial void CloseFailed(this ILogger logger, string directory, Exception exception);
    [LoggerMessage(EventId = 3040, Level = LogLevel.Critical, Message = "Log {Directory} is offline after a failed {Operation}; it serves nothing until a restart recovers it from disk")]
    public static partial void LogOffline(this ILogger logger, string directory, string operation, Exception exception);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Information, Message = "Truncated {Directory} to offset {Offset}; its log now ends at {LogEndOffset}")]
    public static partial void LogTruncated(this ILogger logger, string directory, long offset, long logEndOffset);
}
