using System.Buffers.Binary;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>64-bit integers, 8 bytes big-endian (Kafka's <c>Serdes.Long()</c>).</summary>
public sealed class Int64Serde : ISerde<long>, IPrefixedSerializer<long>
{
    /// <inheritdoc/>
    public byte[]? Serialize(long data, SerializationContext context)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, data);
        return bytes;
    }

    /// <inheritdoc/>
    byte[]? IPrefixedSerializer<long>.Serialize(long data, int prefix, SerializationContext context)
    {
        var bytes = new byte[prefix + 8];
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(prefix), data);
        return bytes;
    }

    /// <inheritdoc/>
    public long Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        FixedWidth.Require(data, isNull, 8, "Int64", context);
        return BinaryPrimitives.ReadInt64BigEndian(data);
    }
}
