using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>Keys or values that are always null (Kafka's <c>Serdes.Void()</c>): bytes on the wire are an error.</summary>
public sealed class VoidSerde : ISerde<Null?>
{
    /// <inheritdoc/>
    public byte[]? Serialize(Null? data, SerializationContext context) => null;

    /// <inheritdoc/>
    public Null? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        => isNull ? null : throw new InvalidDataException($"Expected a null {context.Component} on topic '{context.Topic}', got {data.Length} bytes.");
}
