using Platform.Client;
using Platform.Client.Serialization;
using Platform.Streams.Dsl.Internal;
using Platform.Streams.Errors;

namespace Platform.Streams.Processors.Internal;

/// <summary>A typed source node.</summary>
internal sealed class SourceNode<TKey, TValue>(
    string name,
    IDeserializer<TKey>? keyDeserializer,
    IDeserializer<TValue>? valueDeserializer,
    ITimestampExtractor? timestampExtractor)
    : SourceNode(name)
{
    private enum ExtractorKind
    {
        FailOnInvalid,
        SkipOnInvalid,
        PartitionTimeOnInvalid,
        Custom,
    }

    private TaskContext _task = null!;
    private IDeserializer<TKey> _keyDeserializer = null!;
    private IDeserializer<TValue> _valueDeserializer = null!;
    private ITimestampExtractor _extractor = null!;
    private ExtractorKind _kind;
    private Receiver<TKey, TValue>[] _children = [];

    public override void Init(TaskContext task)
    {
        _task = task;
        _keyDeserializer = keyDeserializer ?? Defaults.Serde<TKey>(task.Config, isKey: true, $"source '{Name}'");
        _valueDeserializer = valueDeserializer ?? Defaults.Serde<TValue>(task.Config, isKey: false, $"source '{Name}'");
        _extractor = timestampExtractor ?? task.DefaultTimestampExtractor;
        _kind = _extractor switch
        {
            FailOnInvalidTimestamp => ExtractorKind.FailOnInvalid,
            LogAndSkipOnInvalidTimestamp => ExtractorKind.SkipOnInvalid,
            UsePartitionTimeOnInvalidTimestamp => ExtractorKind.PartitionTimeOnInvalid,
            _ => ExtractorKind.Custom,
        };
        _children = Receivers.Of<TKey, TValue>(this);
    }

    public override bool ReadsPartialCounts => _valueDeserializer is PartialCountSerde;

    public override long ProcessDirect(in ConsumedRecord record, long partitionTime)
    {
        var task = _task;
        var headers = PartialCountSerde.WithoutMarker(record.Headers);
        task.SetSourceRecord(record.Topic, record.Partition, record.Offset, record.Timestamp, headers);
        long timestamp;
        TKey key;
        TValue value;
        if (_kind != ExtractorKind.Custom)
        {
            timestamp = BuiltInTimestamp(record, partitionTime);
            if (timestamp < 0 || !TryDeserialize(record, out key, out value))
            {
                return -1;
            }
        }
        else
        {
            if (!TryDeserialize(record, out key, out value))
            {
                return -1;
            }

            timestamp = CustomTimestamp(record, key, value, partitionTime);
            if (timestamp < 0)
            {
                return -1;
            }
        }

        Forward(key, value, timestamp, headers);
        return timestamp;
    }

    public override bool Stamp(StampedRecord record, long partitionTime)
    {
        var consumed = record.AsConsumed();
        _task.SetSourceRecord(record.Topic, record.Partition, record.Offset, record.OriginalTimestamp, PartialCountSerde.WithoutMarker(record.Headers));
        if (_kind != ExtractorKind.Custom)
        {
            record.Timestamp = BuiltInTimestamp(consumed, partitionTime);
            return record.Timestamp >= 0;
        }

        if (!TryDeserialize(consumed, out var key, out var value))
        {
            return false;
        }

        record.KeyObject = key;
        record.ValueObject = value;
        record.Deserialized = true;
        record.Timestamp = CustomTimestamp(consumed, key, value, partitionTime);
        return record.Timestamp >= 0;
    }

    public override void ProcessQueued(StampedRecord record)
    {
        var task = _task;
        var headers = PartialCountSerde.WithoutMarker(record.Headers);
        task.SetSourceRecord(record.Topic, record.Partition, record.Offset, record.Timestamp, headers);
        if (task.DeadLetterQueueTopic is not null)
        {
            task.RawKey = record.KeySpan.ToArray();
            task.RawValue = record.Value is null ? null : record.ValueSpan.ToArray();
        }

        TKey key;
        TValue value;
        if (record.Deserialized)
        {
            key = (TKey)record.KeyObject!;
            value = (TValue)record.ValueObject!;
        }
        else if (!TryDeserialize(record.AsConsumed(), out key, out value))
        {
            return;
        }

        Forward(key, value, record.Timestamp, headers);
    }

    private void Forward(TKey key, TValue value, long timestamp, Headers? headers)
    {
        var task = _task;
        task.Timestamp = timestamp;
        if (timestamp > task.StreamTime)
        {
            task.StreamTime = timestamp;
        }

        var forwarded = new Record<TKey, TValue>(key, value, timestamp, headers);
        var children = _children;
        for (var i = 0; i < children.Length; i++)
        {
            children[i].Process(forwarded);
        }
    }

    private long BuiltInTimestamp(in ConsumedRecord record, long partitionTime)
    {
        var timestamp = record.Timestamp;
        if (timestamp >= 0)
        {
            return timestamp;
        }

        return _kind switch
        {
            ExtractorKind.SkipOnInvalid => -1,
            ExtractorKind.PartitionTimeOnInvalid when partitionTime >= 0 => partitionTime,
            _ => throw new StreamsException(
                $"Record {record.Topic}-{record.Partition}@{record.Offset} has the invalid timestamp {timestamp} (source '{Name}'); set default.timestamp.extractor to LogAndSkipOnInvalidTimestamp or UsePartitionTimeOnInvalidTimestamp to process it."),
        };
    }

    private long CustomTimestamp(in ConsumedRecord record, TKey key, TValue value, long partitionTime)
    {
        var result = new ConsumeResult<object?, object?>
        {
            Topic = record.Topic,
            Partition = record.Partition,
            Offset = record.Offset,
            Message = new Message<object?, object?>
            {
                Key = key,
                Value = value,
                Headers = PartialCountSerde.WithoutMarker(record.Headers),
                Timestamp = new Timestamp(record.Timestamp, record.TimestampType),
            },
        };
        return _extractor.Extract(result, partitionTime);
    }

    private bool TryDeserialize(in ConsumedRecord record, out TKey key, out TValue value)
    {
        try
        {
            key = _keyDeserializer.Deserialize(record.Key, record.KeyIsNull, new SerializationContext(MessageComponentType.Key, record.Topic, record.Headers));
            value = _valueDeserializer.Deserialize(record.Value, record.ValueIsNull, new SerializationContext(MessageComponentType.Value, record.Topic, record.Headers));
            return true;
        }
        catch (Exception e) when (e is not StreamsException)
        {
            HandleDeserializationError(record, e);
            key = default!;
            value = default!;
            return false;
        }
    }

    private void HandleDeserializationError(in ConsumedRecord record, Exception exception)
    {
        var rawKey = record.KeyIsNull ? null : record.Key.ToArray();
        var rawValue = record.ValueIsNull ? null : record.Value.ToArray();
        var raw = new ConsumeResult<byte[]?, byte[]?>
        {
            Topic = record.Topic,
            Partition = record.Partition,
            Offset = record.Offset,
            Message = new Message<byte[]?, byte[]?>
            {
                Key = rawKey,
                Value = rawValue,
                Headers = ReferenceEquals(record.Headers, PartialCountSerde.Marker) ? PartialCountSerde.NewMarker() : record.Headers,
                Timestamp = new Timestamp(record.Timestamp, record.TimestampType),
            },
        };
        DeserializationHandlerResponse response;
        try
        {
            response = _task.DeserializationExceptionHandler.Handle(_task.ErrorContext(Name), raw, exception);
        }
        catch (Exception handlerError)
        {
            throw new StreamsException($"The deserialization exception handler failed on {record.Topic}-{record.Partition}@{record.Offset}.", handlerError);
        }

        if (response == DeserializationHandlerResponse.Fail)
        {
            throw new StreamsException(
                $"Cannot deserialize the record at {record.Topic}-{record.Partition}@{record.Offset} (source '{Name}', task {_task.TaskId}) and the deserialization exception handler is set to fail: {exception.Message}",
                exception);
        }

        _task.SendToDeadLetterQueue(rawKey, rawValue, exception);
    }
}
