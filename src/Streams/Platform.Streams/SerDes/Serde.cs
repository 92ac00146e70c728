using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>A serde made of a serializer and a deserializer (<see cref="Serdes.From{T}"/>).</summary>
/// <typeparam name="T">The type.</typeparam>
public sealed class Serde<T> : ISerde<T>
{
    private readonly ISerializer<T> _serializer;
    private readonly IDeserializer<T> _deserializer;

    /// <summary>Pairs <paramref name="serializer"/> with <paramref name="deserializer"/>.</summary>
    public Serde(ISerializer<T> serializer, IDeserializer<T> deserializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(deserializer);
        _serializer = serializer;
        _deserializer = deserializer;
    }

    /// <inheritdoc/>
    public byte[]? Serialize(T data, SerializationContext context) => _serializer.Serialize(data, context);

    /// <inheritdoc/>
    public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => _deserializer.Deserialize(data, isNull, context);
}
