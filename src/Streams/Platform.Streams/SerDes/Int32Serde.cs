using System.Buffers.Binary;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>32-bit integers, 4 bytes big-endian (Kafka's <c>Serdes.Integer()</c>).</summary>
public sealed class Int32Serde : ISerde<int>, ISpanWriter<int>
{
    /// <inheritdoc/>
    public byte[]? Serialize(int data, SerializationContext context)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, data);
        return bytes;
    }

    /// <inheritdoc/>
    int ISpanWriter<int>.Size(int data) => 4;

    /// <inheritdoc/>
    int ISpanWriter<int>.Write(int data, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, data);
        return 4;
    }

    /// <inheritdoc/>
    public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        FixedWidth.Require(data, isNull, 4, "Int32", context);
        return BinaryPrimitives.ReadInt32BigEndian(data);
    }
}
