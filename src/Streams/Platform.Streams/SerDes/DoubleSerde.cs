using System.Buffers.Binary;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>Doubles, 8 bytes big-endian IEEE 754 (Kafka's <c>Serdes.Double()</c>).</summary>
public sealed class DoubleSerde : ISerde<double>, ISpanWriter<double>
{
    /// <inheritdoc/>
    public byte[]? Serialize(double data, SerializationContext context)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, data);
        return bytes;
    }

    /// <inheritdoc/>
    int ISpanWriter<double>.Size(double data) => 8;

    /// <inheritdoc/>
    int ISpanWriter<double>.Write(double data, Span<byte> destination)
    {
        BinaryPrimitives.WriteDoubleBigEndian(destination, data);
        return 8;
    }

    /// <inheritdoc/>
    public double Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        FixedWidth.Require(data, isNull, 8, "Double", context);
        return BinaryPrimitives.ReadDoubleBigEndian(data);
    }
}
