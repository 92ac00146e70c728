namespace Platform.Client.Serialization;

/// <summary>Turns a key or value into bytes asynchronously (e.g. after a schema registry lookup).</summary>
/// <typeparam name="T">The type serialized.</typeparam>
public interface IAsyncSerializer<in T>
{
    /// <summary>Serializes <paramref name="data"/>; null means a null key or value on the wire.</summary>
    Task<byte[]?> SerializeAsync(T data, SerializationContext context, CancellationToken cancellationToken = default);
}
