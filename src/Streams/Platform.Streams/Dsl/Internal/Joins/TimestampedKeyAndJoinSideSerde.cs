using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>Kafka's layout: 8-byte big-endian timestamp, one byte 1 = left / 0 = right, then the serialized key.</summary>
internal sealed class TimestampedKeyAndJoinSideSerde<TKey> : ISerde<TimestampedKeyAndJoinSide<TKey>>
{
    private readonly ISerde<TKey> _keySerde;

    public TimestampedKeyAndJoinSideSerde(ISerde<TKey> keySerde) => _keySerde = keySerde;

    public byte[]? Serialize(TimestampedKeyAndJoinSide<TKey> data, SerializationContext context)
    {
        var key = _keySerde.Serialize(data.Key, context) ?? throw new InvalidOperationException("The stream-stream join's key serialized to null.");
        var bytes = new byte[9 + key.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, data.Timestamp);
        bytes[8] = data.LeftSide ? (byte)1 : (byte)0;
        key.CopyTo(bytes, 9);
        return bytes;
    }

    public TimestampedKeyAndJoinSide<TKey> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull || data.Length < 9)
        {
            throw new InvalidDataException($"Not an outer-join store key ({(isNull ? "null" : data.Length + " bytes")}).");
        }

        return new TimestampedKeyAndJoinSide<TKey>(BinaryPrimitives.ReadInt64BigEndian(data), data[8] == 1, _keySerde.Deserialize(data[9..], false, context));
    }
}
