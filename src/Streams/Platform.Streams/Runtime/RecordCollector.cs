using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Client.Producer;
using Platform.Protocol.RecordFormat;
using Platform.Streams.Dsl.Internal;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Runtime;

/// <summary>
/// A task's output on its thread's <see cref="StreamsProducer"/> (Kafka's <c>RecordCollectorImpl</c>): sends sink
/// and changelog records, remembers the offset after the last record written to each changelog partition
/// (the task's checkpoint), and turns delivery failures into the production exception handler's decision,
/// raised on the task's next send or flush (delivery reports arrive on the producer's thread, a run of records at a
/// time). A record the producer refuses before appending it (too large, say) goes to the handler the same way.
/// </summary>
internal sealed partial class RecordCollector : IRecordCollector, IRunDeliveryHandler
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
        var entries = headers is not { Count: > 0 } ? null : ReferenceEquals(headers, PartialCountSerde.Marker) ? headers.Entries : Snapshot(headers);
        _producer.Send(topic, partition, key, keyIsNull, value, valueIsNull, entries, timestamp, this);
    }

    /// <summary>
    /// The headers as they are now: the record waits in the stage while the task goes on, and a processor after
    /// this sink may change the headers object it shares with it. The count combiner's marker is never changed.
    /// </summary>
    private static RecordHeader[] Snapshot(Headers headers) => [.. headers.Entries];

    /// <inheritdoc/>
    public int PartitionCount(string topic) => _partitionCount(topic);

    /// <summary>Sends the staged records and waits for every record sent to be acknowledged, then raises the first failure.</summary>
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

    /// <summary>The outcome of a run of records, on the producer's thread.</summary>
    public void OnDelivered(string topic, int partition, long baseOffset, Error error, ReadOnlySpan<RecordSlot> records, RunContents contents)
    {
        try
        {
            if (error.Code == Protocol.ErrorCode.None)
            {
                if (baseOffset >= 0)
                {
                    Written(topic, partition, baseOffset + records.Length);
                }
            }
            else if (StreamsProducer.IsFenced(error))
            {
                Fenced(topic, error);
            }
            else
            {
                foreach (var (key, value) in contents.Read())
                {
                    Failed(topic, partition, error, key, value);
                }
            }
        }
        finally
        {
            _producer.Generations.CountReported(records);
        }
    }

    /// <summary>A record the producer refused before appending it, on the stream thread's appender.</summary>
    public void OnNotSent(in StagedRecord record, Exception error)
    {
        try
        {
            var reason = error is KafkaException kafka ? kafka.Error : new Error(Protocol.ErrorCode.UnknownServerError, error.Message);
            if (StreamsProducer.IsFenced(reason))
            {
                Fenced(record.Topic, reason);
            }
            else
            {
                Failed(record.Topic, record.Partition, reason, record.KeyIsNull ? null : record.Key.ToArray(), record.ValueIsNull ? null : record.Value.ToArray());
            }
        }
        finally
        {
            _producer.Generations.CountReported(record.Tag, 1);
        }
    }

    private void Written(string topic, int partition, long next)
    {
        var check = _lastChecked;
        if (check is null || !ReferenceEquals(check.Topic, topic))
        {
            _lastChecked = check = new ChangelogCheck(topic, _changelogTopics.Contains(topic));
        }

        if (!check.IsChangelog)
        {
            return;
        }

        var written = _offsets.GetOrAdd((topic, partition), static _ => new WrittenOffset());
        for (var seen = Interlocked.Read(ref written.Next); next > seen; seen = Interlocked.Read(ref written.Next))
        {
            if (Interlocked.CompareExchange(ref written.Next, next, seen) == seen)
            {
                break;
            }
        }
    }

    /// <summary>Raised as the tasks' migration on the task's next send or flush: another producer took over.</summary>
    private void Fenced(string topic, Error error)
        => Interlocked.CompareExchange(ref _sendError, new TaskMigratedException($"Task {_task}'s producer was fenced while sending to {topic}: {error.Reason}"), null);

    private void Failed(string topic, int partition, Error error, byte[]? key, byte[]? value)
    {
        ProductionExceptionHandlerResponse response;
        try
        {
            response = _handler.Handle(null, topic, key, value, error);
        }
        catch (Exception ex)
        {
            // Raised on the task's next send or flush, as a decision to fail is: here it would escape into the producer
            // (on its thread, or mid-way through a stage it is appending).
            Interlocked.CompareExchange(
                ref _sendError,
                new StreamsException($"Task {_task} could not send a record to topic '{topic}' ({error.Code}): {error.Reason}; the production exception handler threw: {ex.Message}", ex),
                null);
            return;
        }

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
