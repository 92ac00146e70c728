using Microsoft.Extensions.Logging;
using Platform.Protocol;

namespace Platform.Broker.Transactions;

/// <summary>The transaction coordinator's log messages (event ids 2600-2699), shared by its collaborators.</summary>
internal static partial class TransactionLog
{
    [LoggerMessage(EventId = 2600, Level = LogLevel.Information, Message = "Coordinating {Count} transactional ids of __transaction_state-{Partition} at coordinator epoch {CoordinatorEpoch}")]
    public static partial void LogLoaded(this ILogger logger, int partition, int coordinatorEpoch, int count);

    [LoggerMessage(EventId = 2601, Level = LogLevel.Error, Message = "Could not create __transaction_state: {Error} {Message}")]
    public static partial void LogTopicFailed(this ILogger logger, ErrorCode error, string? message);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Information, Message = "Transactional id {TransactionalId}: fenced the previous producer, aborting its open transaction as producer {ProducerId} epoch {ProducerEpoch}")]
    public static partial void LogFenced(this ILogger logger, string transactionalId, long producerId, short producerEpoch);

    [LoggerMessage(EventId = 2603, Level = LogLevel.Warning, Message = "Transactional id {TransactionalId}: marker for {Topic}-{Partition} failed with {Error}; will retry")]
    public static partial void LogMarkerFailed(this ILogger logger, string transactionalId, string topic, int partition, ErrorCode error);

    [LoggerMessage(EventId = 2604, Level = LogLevel.Debug, Message = "Transactional id {TransactionalId}: producer {ProducerId} epoch {ProducerEpoch} completed (commit {Commit})")]
    public static partial void LogCompleted(this ILogger logger, string transactionalId, long producerId, short producerEpoch, bool commit);

    [LoggerMessage(EventId = 2605, Level = LogLevel.Warning, Message = "Transactional id {TransactionalId}: transaction of producer {ProducerId} epoch {ProducerEpoch} open for {ElapsedMs} ms, past its timeout: aborting")]
    public static partial void LogTimedOut(this ILogger logger, string transactionalId, long producerId, short producerEpoch, long elapsedMs);

    [LoggerMessage(EventId = 2606, Level = LogLevel.Information, Message = "Transactional id {TransactionalId} expired")]
    public static partial void LogExpired(this ILogger logger, string transactionalId);

    [LoggerMessage(EventId = 2607, Level = LogLevel.Warning, Message = "Skipped a malformed record in __transaction_state-{Partition}")]
    public static partial void LogSkippedRecord(this ILogger logger, int partition);

    [LoggerMessage(EventId = 2608, Level = LogLevel.Information, Message = "No longer coordinating the transactional ids of __transaction_state-{Partition}")]
    public static partial void LogUnloaded(this ILogger logger, int partition);

    [LoggerMessage(EventId = 2609, Level = LogLevel.Warning, Message = "Markers for producer {ProducerId} to broker {Broker} failed: {Reason}")]
    public static partial void LogMarkersToBrokerFailed(this ILogger logger, long producerId, int broker, string reason);
}
