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
internal sealed partial class RecordCollector : IRecordCollector
{
    private readonly StreamsProducer _producer;
    private readonly TaskId _task;
    private readonly IProductionExceptionHandler _handler;
    private readonly Func<string, int> _partitionCount;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TopicPartition, long> _offsets = new();
    private readonly HashSet<string> _changelogTopics;
    private readonly Action<DeliveryReport<byte[]?, byte[]?>> _onDelivery;
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

        // One delegate for every send: a method group converted per call would allocate one per record.
        _onDelivery = OnDelivery;
    }

    /// <summary>Per changelog partition written: the offset after the last record acknowledged.</summary>
    public IReadOnlyDictionary<TopicPartition, long> ChangelogOffsets => _offsets;

    /// <summary>Records dropped by the production exception handler.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <inheritdoc/>
    public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int partition)
    {
        ThrowIfSendFailed();
        var message = new Message<byte[]?, byte[]?>
        {
            Key = key,
            Value = value,
            Headers = headers,
            Timestamp = new Timestamp(timestamp, TimestampType.CreateTime),
        };
        _producer.Send(topic, partition, message, _onDelivery);
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

    private void OnDelivery(DeliveryReport<byte[]?, byte[]?> report)
    {
        if (report.Error.Code == Protocol.ErrorCode.None)
        {
            if (_changelogTopics.Contains(report.Topic))
            {
                _offsets.AddOrUpdate(report.TopicPartition, static (_, next) => next, static (_, old, next) => Math.Max(old, next), report.Offset + 1);
            }

            return;
        }

        if (StreamsProducer.IsFenced(report.Error))
        {
            Interlocked.CompareExchange(ref _sendError, new TaskMigratedException($"Task {_task}'s producer was fenced while sending to {report.Topic}: {report.Error.Reason}"), null);
            return;
        }

        var response = _handler.Handle(null, report.Topic, report.Message.Key, report.Message.Value, report.Error);
        if (response == ProductionExceptionHandlerResponse.Continue)
        {
            Interlocked.Increment(ref _skipped);
            LogSkipped(_task, report.Topic, report.Partition, report.Error.Reason);
            return;
        }

        Interlocked.CompareExchange(
            ref _sendError,
            new StreamsException($"Task {_task} could not send a record to topic '{report.Topic}' ({report.Error.Code}): {report.Error.Reason}; the production exception handler said to fail."),
            null);
    }

    [LoggerMessage(EventId = 9110, Level = LogLevel.Warning, Message = "Task {Task} dropped a record for {Topic}-{Partition} that could not be delivered: {Reason}")]
    private partial void LogSkipped(TaskId task, string topic, int partition, string reason);
}
