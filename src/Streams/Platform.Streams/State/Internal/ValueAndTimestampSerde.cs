using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>Kafka's timestamped value layout: the 8-byte big-endian timestamp, then the value's bytes.</summary>
internal sealed class ValueAndTimestampSerde<TValue>(ISerde<TValue> valueSerde) : ISerde<ValueAndTimestamp<TValue>>
{
    public byte[]? Serialize(ValueAndTimestamp<TValue> data, SerializationContext context)
        => data is null ? null : Serialize(data.Value, data.Timestamp, context);

    /// <summary>The layout of <paramref name="value"/> stamped with <paramref name="timestamp"/>; null when the value serializes to null.</summary>
    public byte[]? Serialize(TValue value, long timestamp, SerializationContext context)
    {
        if (valueSerde is ISpanWriter<TValue> writer)
        {
            // The built-in serdes write after the timestamp's room: one array, no copy.
            var size = writer.Size(value);
            if (size < 0)
            {
                return null;
            }

            var stamped = new byte[8 + size];
            BinaryPrimitives.WriteInt64BigEndian(stamped, timestamp);
            writer.Write(value, stamped.AsSpan(8));
            return stamped;
        }

        var serialized = valueSerde.Serialize(value, context);
        if (serialized is null)
        {
            return null;
        }

        var bytes = new byte[serialized.Length + 8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, timestamp);
        serialized.CopyTo(bytes, 8);
        return bytes;
    }

    public ValueAndTimestamp<TValue> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!;
        }

        var value = Deserialize(data, context, out var timestamp);
        return new ValueAndTimestamp<TValue>(value, timestamp);
    }

    /// <summary>The value of the (not null) layout <paramref name="data"/>, and its <paramref name="timestamp"/>.</summary>
    public TValue Deserialize(ReadOnlySpan<byte> data, SerializationContext context, out long timestamp)
    {
        if (data.Length < 8)
        {
            throw new InvalidDataException($"A timestamped value needs at least 8 bytes, got {data.Length}.");
        }

        timestamp = BinaryPrimitives.ReadInt64BigEndian(data);
        return valueSerde.Deserialize(data[8..], false, context);
    }
}
