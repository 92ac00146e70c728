using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>Kafka's timestamped value layout: the 8-byte big-endian timestamp, then the value's bytes.</summary>
internal sealed class ValueAndTimestampSerde<TValue>(ISerde<TValue> valueSerde) : ISerde<ValueAndTimestamp<TValue>>
{
    public byte[]? Serialize(ValueAndTimestamp<TValue> data, SerializationContext context)
    {
        if (data is null)
        {
            return null;
        }

        if (valueSerde is ISpanWriter<TValue> writer)
        {
            // The built-in serdes write after the timestamp's room: one array, no copy.
            var size = writer.Size(data.Value);
            if (size < 0)
            {
                return null;
            }

            var stamped = new byte[8 + size];
            BinaryPrimitives.WriteInt64BigEndian(stamped, data.Timestamp);
            writer.Write(data.Value, stamped.AsSpan(8));
            return stamped;
        }

        var value = valueSerde.Serialize(data.Value, context);
        if (value is null)
        {
            return null;
        }

        var bytes = new byte[value.Length + 8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, data.Timestamp);
        value.CopyTo(bytes, 8);
        return bytes;
    }

    public ValueAndTimestamp<TValue> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!;
        }

        if (data.Length < 8)
        {
            throw new InvalidDataException($"A timestamped value needs at least 8 bytes, got {data.Length}.");
        }

        return new ValueAndTimestamp<TValue>(valueSerde.Deserialize(data[8..], false, context), BinaryPrimitives.ReadInt64BigEndian(data));
    }
}
