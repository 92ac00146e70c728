using System.Text.Json;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>Values as UTF-8 JSON with System.Text.Json; null stays null on the wire, and a null on the wire is <c>default</c>.</summary>
/// <typeparam name="T">The type.</typeparam>
public sealed class JsonSerde<T> : ISerde<T?>
{
    private readonly JsonSerializerOptions? _options;

    /// <summary>A serde with <paramref name="options"/> (null: System.Text.Json's defaults).</summary>
    public JsonSerde(JsonSerializerOptions? options = null) => _options = options;

    /// <inheritdoc/>
    public byte[]? Serialize(T? data, SerializationContext context)
        => data is null ? null : System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, _options);

    /// <inheritdoc/>
    public T? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return default;
        }

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<T>(data, _options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not JSON of {typeof(T).Name} ({context.Component} of topic '{context.Topic}'): {e.Message}", e);
        }
    }
}
