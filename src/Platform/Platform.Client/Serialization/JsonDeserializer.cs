using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Platform.Client.Serialization;

/// <summary>Deserializes UTF-8 JSON with System.Text.Json; a null on the wire gives <c>default</c>.</summary>
/// <typeparam name="T">The type produced.</typeparam>
/// <param name="typeInfo">The contract of <typeparamref name="T"/>, e.g. from a source-generated <c>JsonSerializerContext</c>.</param>
public sealed class JsonDeserializer<T>(JsonTypeInfo<T> typeInfo) : IDeserializer<T?>
{
    /// <summary>A deserializer with <paramref name="options"/> (null: System.Text.Json's defaults), the contract built by reflection.</summary>
    [RequiresUnreferencedCode(ReflectedJson.Reason)]
    [RequiresDynamicCode(ReflectedJson.Reason)]
    public JsonDeserializer(JsonSerializerOptions? options = null)
        : this(ReflectedJson.TypeInfo<T>(options))
    {
    }

    /// <inheritdoc />
    public T? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        => isNull ? default : System.Text.Json.JsonSerializer.Deserialize(data, typeInfo);
}
