using Platform.Client;
using Platform.Client.Serialization;
using Platform.Streams.Errors;
using Platform.Streams.SerDes;

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
    private ISpanWriter<TKey>? _keyWriter;
    private ISpanWriter<TValue>? _valueWriter;

    // The built-in serdes write key and value here; the collector copies them before Send returns.
    private byte[] _scratch = new byte[256];

    /// <summary>The decorated topic, or null with an extractor.</summary>
    public string? Topic { get; } = topic;

    public override void Init(TaskContext task)
    {
        _task = task;
        _keySerializer = keySerializer ?? Defaults.Serde<TKey>(task.Config, isKey: true, $"sink '{Name}'");
        _valueSerializer = valueSerializer ?? Defaults.Serde<TValue>(task.Config, isKey: false, $"sink '{Name}'");
        _keyWriter = _keySerializer as ISpanWriter<TKey>;
        _valueWriter = _valueSerializer as ISpanWriter<TValue>;
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

        var used = 0;
        var key = Serialize(_keyWriter, _keySerializer, record.Key, MessageComponentType.Key, target, record.Headers, ref used, out var keyIsNull);
        var value = Serialize(_valueWriter, _valueSerializer, record.Value, MessageComponentType.Value, target, record.Headers, ref used, out var valueIsNull);
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

        _task.Collector.Send(target, key, keyIsNull, value, valueIsNull, record.Headers, record.Timestamp, partition);
    }

    private ReadOnlySpan<byte> Serialize<T>(ISpanWriter<T>? writer, ISerializer<T> serializer, T data, MessageComponentType component, string topic, Headers? headers, ref int used, out bool isNull)
    {
        if (writer is null)
        {
            var bytes = serializer.Serialize(data, new SerializationContext(component, topic, headers));
            isNull = bytes is null;
            return bytes;
        }

        // Room to write is all this needs: a bound, not the exact size (a string's would be a pass of its own).
        var size = writer.MaxSize(data);
        isNull = size < 0;
        if (isNull)
        {
            return default;
        }

        if (_scratch.Length - used < size)
        {
            // A key written before stays valid in the old array.
            _scratch = new byte[Math.Max(_scratch.Length * 2, size)];
            used = 0;
        }

        var written = writer.Write(data, _scratch.AsSpan(used));
        var span = new ReadOnlySpan<byte>(_scratch, used, written);
        used += written;
        return span;
    }
}
