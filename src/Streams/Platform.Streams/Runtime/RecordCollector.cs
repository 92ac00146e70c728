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
internal sealed partial class RecordCollector : IRecordCollector, IDeliveryHandler<byte[]?, byte[]?>
{
    private readonly StreamsProducer _producer;
    private readonly TaskId _task;
    private readonly IProductionExceptionHandler _handler;
    private readonly Func<string, int> _partitionCount;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TopicPartition, long> _offsets = new();
    private readonly HashSet<string> _changelogTopics;
    // Messages come back with their outcome (on the producer's thread) and are reused: a record sent costs no
    // message, report or delegate of its own.
    private readonly ConcurrentQueue<Message<byte[]?, byte[]?>> _messages = new();
    private Exception? _sendError;
    private long _skipped;

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

    /// <summary>Per changelog partition written: the offset after the last record acknowledged.</summary>
    public IReadOnlyDictionary<TopicPartition, long> ChangelogOffsets => _offsets;

    /// <summary>Records dropped by the production exception handler.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <inheritdoc/>
    public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int partition)
    {
        ThrowIfSendFailed();
        if (!_messages.TryDequeue(out var message))
        {
            message = new Message<byte[]?, byte[]?>();
        }

        message.Key = key;
        message.Value = value;
        message.Headers = headers;
        message.Timestamp = new Timestamp(timestamp, TimestampType.CreateTime);
        _producer.Send(topic, partition, message, this);
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
        if (Interlocked.Exchange(ref _sendError, null) is { } error)
        {
            throw error;
        }
    }

    /// <summary>A record's outcome, on the producer's thread.</summary>
    public void OnDelivery(string topic, int partition, long offset, Error error, Message<byte[]?, byte[]?> message)
    {
        try
        {
            Delivered(topic, partition, offset, error, message);
        }
        finally
        {
            message.Key = null;
            message.Value = null;
            message.Headers = null;
            _messages.Enqueue(message);
        }
    }

    private void Delivered(string topic, int partition, long offset, Error error, Message<byte[]?, byte[]?> message)
    {
        if (error.Code == Protocol.ErrorCode.None)
        {
            if (_changelogTopics.Contains(topic))
            {
                _offsets.AddOrUpdate(new TopicPartition(topic, partition), static (_, next) => next, static (_, old, next) => Math.Max(old, next), offset + 1);
            }

            return;
        }

        if (StreamsProducer.IsFenced(error))
        {
            Interlocked.CompareExchange(ref _sendError, new TaskMigratedException($"Task {_task}'s producer was fenced while sending to {topic}: {error.Reason}"), null);
            return;
        }

        var response = _handler.Handle(null, topic, message.Key, message.Value, error);
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

    [LoggerMessage(EventId = 9110, Level = LogLevel.Warning, Message = "Task {Task} dropped a record for {Topic}-{Partition} that could not be delivered: {Reason}")]
    private partial void LogSkipped(TaskId task, string topic, int partition, string reason);
}
