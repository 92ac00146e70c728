using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>
/// A built-in serializer that can leave room in front of the value it writes, so a store layout that prefixes
/// the value (the 8-byte timestamp of timestamped stores) costs one array per write instead of two and a copy.
/// </summary>
internal interface IPrefixedSerializer<in T>
{
    /// <summary>The serialized <paramref name="data"/> after <paramref name="prefix"/> zero bytes, or null when it serializes to null.</summary>
    byte[]? Serialize(T data, int prefix, SerializationContext context);
}
