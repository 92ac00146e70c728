using System.Buffers;
using Platform.Client;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// A buffered input record with its extracted timestamp: the key and value bytes are copied into pooled
/// arrays (returned on <see cref="Release"/>), so the task can hold it until its turn comes.
/// </summary>
internal sealed class StampedRecord
{
    public string Topic = "";
    public int Partition;
    public long Offset;
    public long Timestamp;
    public long OriginalTimestamp;
    public TimestampType TimestampType;
    public byte[]? Key;
    public int KeyLength;
    public byte[]? Value;
    public int ValueLength;
    public Headers? Headers;

    /// <summary>Key and value deserialized at enqueue (only for custom timestamp extractors, which need them).</summary>
    public object? KeyObject;

    /// <inheritdoc cref="KeyObject"/>
    public object? ValueObject;

    public bool Deserialized;

    /// <summary>Dropped at enqueue (poison record or invalid timestamp): only its offset counts as consumed when its turn comes.</summary>
    public bool Skip;

    public ReadOnlySpan<byte> KeySpan => Key is null ? default : Key.AsSpan(0, KeyLength);

    public ReadOnlySpan<byte> ValueSpan => Value is null ? default : Value.AsSpan(0, ValueLength);

    public ConsumedRecord AsConsumed()
        => new(Topic, Partition, Offset, OriginalTimestamp, TimestampType, KeySpan, Key is null, ValueSpan, Value is null, Headers);

    public void Fill(in ConsumedRecord record)
    {
        Topic = record.Topic;
        Partition = record.Partition;
        Offset = record.Offset;
        OriginalTimestamp = record.Timestamp;
        Timestamp = record.Timestamp;
        TimestampType = record.TimestampType;
        Headers = record.Headers;
        (Key, KeyLength) = Copy(record.Key, record.KeyIsNull);
        (Value, ValueLength) = Copy(record.Value, record.ValueIsNull);
        KeyObject = null;
        ValueObject = null;
        Deserialized = false;
        Skip = false;
    }

    public void Release()
    {
        if (Key is not null)
        {
            ArrayPool<byte>.Shared.Return(Key);
            Key = null;
        }

        if (Value is not null)
        {
            ArrayPool<byte>.Shared.Return(Value);
            Value = null;
        }

        Headers = null;
        KeyObject = null;
        ValueObject = null;
    }

    private static (byte[]?, int) Copy(ReadOnlySpan<byte> data, bool isNull)
    {
        if (isNull)
        {
            return (null, 0);
        }

        var array = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(array);
        return (array, data.Length);
    }
}
