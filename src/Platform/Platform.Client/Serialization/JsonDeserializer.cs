using System.Text.Json;

namespace Platform.Client.Serialization;

/// <summary>Deserializes UTF-8 JSON with System.Text.Json; a null on the wire gives <c>default</c>.</summary>
/// <typeparam name="T">The type produced.</typeparam>
/// <param name="options">System.Text.Json options; null for the defaults.</param>
public sealed class JsonDeserializer<T>(JsonSerializerOptions? options = null) : IDeserializer<T?>
{
    /// <inheritdoc />
    public T? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        => isNull ? default : System.Text.Json.JsonSerializer.Deserialize<T>(data, options);
}
