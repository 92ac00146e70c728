using Platform.Client.Serialization;
using Platform.Streams.Errors;

namespace Platform.Streams.Processors.Internal;

/// <summary>A node that serializes records and hands them to the task's record collector.</summary>
internal sealed class SinkNode<TKey, TValue>(
    string name,
    string? topic,
    ITopicNameExtractor<TKey, TValue>? extractor,
    ISerializer<TKey>? keySerializer,
    ISerializer<TValue>? valueSerializer,
    IStreamPartitioner<TKey, TValue>? partitioner)
    : ProcessorNode(name), IRecordReceiver<TKey, TValue>
{
    private TaskContext _task = null!;
    private ISerializer<TKey> _keySerializer = null!;
    private ISerializer<TValue> _valueSerializer = null!;

    /// <summary>The decorated topic, or null with an extractor.</summary>
    public string? Topic { get; } = topic;

    public override void Init(TaskContext task)
    {
        _task = task;
        _keySerializer = keySerializer ?? Defaults.Serde<TKey>(task.Config, isKey: true, $"sink '{Name}'");
        _valueSerializer = valueSerializer ?? Defaults.Serde<TValue>(task.Config, isKey: false, $"sink '{Name}'");
    }

    public void Process(Record<TKey, TValue> record)
    {
        try
        {
            Send(record);
        }
        // A fenced producer is no processing error (as in Kafka): the thread must rejoin, not ask the handler.
        catch (Exception e) when (e is not (ProcessingFailedException or Runtime.TaskMigratedException))
        {
            var response = _task.ProcessingExceptionHandler.Handle(_task.ErrorContext(Name), record.Key, record.Value, e);
            if (response == ProcessingHandlerResponse.Fail)
            {
                throw new ProcessingFailedException($"Sink '{Name}' of task {_task.TaskId} failed to write a record: {e.Message}", e);
            }

            _task.SendToDeadLetterQueue(_task.RawKey, _task.RawValue, e);
        }
    }

    private void Send(Record<TKey, TValue> record)
    {
        if (record.Timestamp < 0)
        {
            throw new StreamsException($"Sink '{Name}' got a record with the invalid timestamp {record.Timestamp}; a timestamp must not be negative.");
        }

        var target = Topic ?? extractor!.Extract(record.Key, record.Value, _task.Metadata);
        if (string.IsNullOrEmpty(target))
        {
            throw new StreamsException($"The topic name extractor of sink '{Name}' returned no topic.");
        }

        var key = _keySerializer.Serialize(record.Key, new SerializationContext(MessageComponentType.Key, target, record.Headers));
        var value = _valueSerializer.Serialize(record.Value, new SerializationContext(MessageComponentType.Value, target, record.Headers));
        var partition = -1;
        if (partitioner is not null)
        {
            var count = _task.Collector.PartitionCount(target);
            if (partitioner.Partition(target, record.Key, record.Value, count) is { } chosen)
            {
                partition = chosen >= 0 && chosen < count
                    ? chosen
                    : throw new StreamsException($"The partitioner of sink '{Name}' chose partition {chosen} of topic '{target}', which has {count}.");
            }
        }

        _task.Collector.Send(target, key, value, record.Headers, record.Timestamp, partition);
    }
}
