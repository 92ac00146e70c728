namespace Platform.Client.Serialization;

/// <summary>Turns the bytes of a key or value back into an object asynchronously.</summary>
/// <typeparam name="T">The type produced.</typeparam>
public interface IAsyncDeserializer<T>
{
    /// <summary>Deserializes <paramref name="data"/>; <paramref name="isNull"/> says the key or value was null on the wire.</summary>
    Task<T> DeserializeAsync(ReadOnlyMemory<byte> data, bool isNull, SerializationContext context, CancellationToken cancellationToken = default);
}
