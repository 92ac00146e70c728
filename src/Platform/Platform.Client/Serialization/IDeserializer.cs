namespace Platform.Client.Serialization;

/// <summary>Turns the bytes of a key or value back into an object.</summary>
/// <typeparam name="T">The type produced.</typeparam>
public interface IDeserializer<out T>
{
    /// <summary>Deserializes <paramref name="data"/>; <paramref name="isNull"/> says the key or value was null on the wire.</summary>
    T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context);
}
