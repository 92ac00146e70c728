using System.Text.Json;

namespace Platform.Client.Serialization;

/// <summary>Serializes values as UTF-8 JSON with System.Text.Json; a null value stays null on the wire.</summary>
/// <typeparam name="T">The type serialized.</typeparam>
/// <param name="options">System.Text.Json options; null for the defaults.</param>
public sealed class JsonSerializer<T>(JsonSerializerOptions? options = null) : ISerializer<T>
{
    /// <inheritdoc />
    public byte[]? Serialize(T data, SerializationContext context)
        => data is null ? null : System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, options);
}
