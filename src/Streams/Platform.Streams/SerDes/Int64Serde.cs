using System.Buffers.Binary;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>64-bit integers, 8 bytes big-endian (Kafka's <c>Serdes.Long()</c>).</summary>
public sealed class Int64Serde : ISerde<long>, ISpanWriter<long>
{
    /// <inheritdoc/>
    public byte[]? Serialize(long data, SerializationContext context)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, data);
        return bytes;
    }

    /// <inheritdoc/>
    int ISpanWriter<long>.Size(long data) => 8;

    /// <inheritdoc/>
    int ISpanWriter<long>.Write(long data, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, data);
        return 8;
    }

    /// <inheritdoc/>
    public long Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        FixedWidth.Require(data, isNull, 8, "Int64", context);
        return BinaryPrimitives.ReadInt64BigEndian(data);
    }
}
