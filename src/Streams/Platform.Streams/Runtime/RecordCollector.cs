using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Runtime;

/// <summary>
/// A task's output on its thread's <see cref="StreamsProducer"/> (Kafka's <c>RecordCollectorImpl</c>): sends sink
/// and changelog records, remembers the offset after the last record written to each changelog partition
/// (the task's checkpoint), and turns delivery failures into the production exception handler's decision,
/// raised on the task's next send or flush (delivery reports arrive on the producer's thread).
/// </summary>
internal sealed partial class RecordCollector : IRecordCollector, IDeliveryHandler<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>
{
    private readonly StreamsProducer _producer;
    private readonly TaskId _task;
    private readonly IProductionExceptionHandler _handler;
    private readonly Func<string, int> _partitionCount;
    private readonly ILogger _logger;
    // Per changelog partition written, found by topic and partition without allocating (reports arrive per record).
    private readonly ConcurrentDictionary<(string Topic, int Partition), WrittenOffset> _offsets = new();
    private readonly HashSet<string> _changelogTopics;
    private Exception? _sendError;
    private long _skipped;

    // Reports come per batch, many for one topic string in a row: whether it is a changelog, kept for the last one
    // (only the producer's thread reads and writes it) instead of hashing the topic per record.
    private ChangelogCheck? _lastChecked;

    /// <summary>The collector of <paramref name="task"/>; writes to <paramref name="changelogTopics"/> are tracked for its checkpoint.</summary>
    public RecordCollector(StreamsProducer producer, TaskId task, IEnumerable<string> changelogTopics, IProductionExceptionHandler handler, Func<string, int> partitionCount, ILogger logger)
    {
        _producer = producer;
        _task = task;
        _changelogTopics = changelogTopics.ToHashSet(StringComparer.Ordinal);
        _handler = handler;
        _partitionCount = partitionCount;
        _logger = logger;
    }

    /// <summary>For a changelog partition written: the offset after the last record acknowledged.</summary>
    public bool TryGetChangelogOffset(TopicPartition partition, out long next)
    {
        if (_offsets.TryGetValue((partition.Topic, partition.Partition), out var written))
        {
            next = Interlocked.Read(ref written.Next);
            return true;
        }

        next = 0;
        return false;
    }

    /// <summary>Records dropped by the production exception handler.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <inheritdoc/>
    public void Send(string topic, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, Headers? headers, long timestamp, int partition)
    {
        ThrowIfSendFailed();
        var buffers = _producer.Buffers;
        var message = buffers.Rent(key, keyIsNull, value, valueIsNull);
        message.Headers = headers;
        message.Timestamp = new Timestamp(timestamp, TimestampType.CreateTime);
        try
        {
            _producer.Send(topic, partition, message, this);
        }
        catch
        {
            // Not taken by the producer: no report will come for it.
            buffers.Return(message);
            throw;
        }
    }

    /// <inheritdoc/>
    public int PartitionCount(string topic) => _partitionCount(topic);

    /// <summary>Waits for every record sent to be acknowledged, then raises the first failure.</summary>
    public void Flush()
    {
        _producer.Flush();
        ThrowIfSendFailed();
    }

    /// <summary>Raises a failure a delivery report left (a fenced producer, or the handler said fail).</summary>
    public void ThrowIfSendFailed()
    {
        // Read first: the exchange is a full fence, and this runs once per record sent.
        if (Volatile.Read(ref _sendError) is not null && Interlocked.Exchange(ref _sendError, null) is { } error)
        {
            throw error;
        }
    }

    /// <summary>A record's outcome, on the producer's thread.</summary>
    public void OnDelivery(string topic, int partition, long offset, Error error, Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> message)
    {
        try
        {
            Delivered(topic, partition, offset, error, message);
        }
        finally
        {
            _producer.Buffers.ReturnReported((OutputMessage)message);
        }
    }

    private void Delivered(string topic, int partition, long offset, Error error, Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> message)
    {
        if (error.Code == Protocol.ErrorCode.None)
        {
            var check = _lastChecked;
            if (check is null || !ReferenceEquals(check.Topic, topic))
            {
                _lastChecked = check = new ChangelogCheck(topic, _changelogTopics.Contains(topic));
            }

            if (check.IsChangelog)
            {
                var written = _offsets.GetOrAdd((topic, partition), static _ => new WrittenOffset());
                var next = offset + 1;
                for (var seen = Interlocked.Read(ref written.Next); next > seen; seen = Interlocked.Read(ref written.Next))
                {
                    if (Interlocked.CompareExchange(ref written.Next, next, seen) == seen)
                    {
                        break;
                    }
                }
            }

            return;
        }

        if (StreamsProducer.IsFenced(error))
        {
            Interlocked.CompareExchange(ref _sendError, new TaskMigratedException($"Task {_task}'s producer was fenced while sending to {topic}: {error.Reason}"), null);
            return;
        }

        var response = _handler.Handle(null, topic, message.Key?.ToArray(), message.Value?.ToArray(), error);
        if (response == ProductionExceptionHandlerResponse.Continue)
        {
            Interlocked.Increment(ref _skipped);
            LogSkipped(_task, topic, partition, error.Reason);
            return;
        }

        Interlocked.CompareExchange(
            ref _sendError,
            new StreamsException($"Task {_task} could not send a record to topic '{topic}' ({error.Code}): {error.Reason}; the production exception handler said to fail."),
            null);
    }

    private sealed record ChangelogCheck(string Topic, bool IsChangelog);

    /// <summary>The offset after the last acknowledged record of one changelog partition.</summary>
    private sealed class WrittenOffset
    {
        public long Next;
    }

    [LoggerMessage(EventId = 9110, Level = LogLevel.Warning, Message = "Task {Task} dropped a record for {Topic}-{Partition} that could not be delivered: {Reason}")]
    private partial void LogSkipped(TaskId task, string topic, int partition, string reason);
}
