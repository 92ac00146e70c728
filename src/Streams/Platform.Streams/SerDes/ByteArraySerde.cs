using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>Byte arrays as they are; serializing does not copy, deserializing does.</summary>
public sealed class ByteArraySerde : ISerde<byte[]?>
{
    /// <inheritdoc/>
    public byte[]? Serialize(byte[]? data, SerializationContext context) => data;

    /// <inheritdoc/>
    public byte[]? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null : data.ToArray();
}
