using Microsoft.Extensions.Logging;
using Platform.Protocol;

namespace Platform.Broker.Transactions;

public sealed partial class TransactionCoordinator
{
    [LoggerMessage(EventId = 2600, Level = LogLevel.Information, Message = "Loaded {Count} transactional ids from __transaction_state")]
    private partial void LogLoaded(int count);

    [LoggerMessage(EventId = 2601, Level = LogLevel.Error, Message = "Could not create __transaction_state: {Error} {Message}")]
    private partial void LogTopicFailed(ErrorCode error, string? message);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Information, Message = "Transactional id {TransactionalId}: fenced the previous producer, aborting its open transaction as producer {ProducerId} epoch {ProducerEpoch}")]
    private partial void LogFenced(string transactionalId, long producerId, short producerEpoch);

    [LoggerMessage(EventId = 2603, Level = LogLevel.Warning, Message = "Transactional id {TransactionalId}: marker for {Topic}-{Partition} failed with {Error}; will retry")]
    private partial void LogMarkerFailed(string transactionalId, string topic, int partition, ErrorCode error);

    [LoggerMessage(EventId = 2604, Level = LogLevel.Debug, Message = "Transactional id {TransactionalId}: producer {ProducerId} epoch {ProducerEpoch} completed (commit {Commit})")]
    private partial void LogCompleted(string transactionalId, long producerId, short producerEpoch, bool commit);

    [LoggerMessage(EventId = 2605, Level = LogLevel.Warning, Message = "Transactional id {TransactionalId}: transaction of producer {ProducerId} epoch {ProducerEpoch} open for {ElapsedMs} ms, past its timeout: aborting")]
    private partial void LogTimedOut(string transactionalId, long producerId, short producerEpoch, long elapsedMs);

    [LoggerMessage(EventId = 2606, Level = LogLevel.Information, Message = "Transactional id {TransactionalId} expired")]
    private partial void LogExpired(string transactionalId);

    [LoggerMessage(EventId = 2607, Level = LogLevel.Warning, Message = "Skipped a malformed record in __transaction_state-{Partition}")]
    private partial void LogSkippedRecord(int partition);
}
