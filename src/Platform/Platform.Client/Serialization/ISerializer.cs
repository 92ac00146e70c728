namespace Platform.Client.Serialization;

/// <summary>Turns a key or value into bytes, synchronously, on the thread that produces.</summary>
/// <typeparam name="T">The type serialized.</typeparam>
public interface ISerializer<in T>
{
    /// <summary>Serializes <paramref name="data"/>; null means a null key or value on the wire.</summary>
    byte[]? Serialize(T data, SerializationContext context);
}
