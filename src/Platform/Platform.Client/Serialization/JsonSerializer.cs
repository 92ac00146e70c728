using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Platform.Client.Serialization;

/// <summary>Serializes values as UTF-8 JSON with System.Text.Json; a null value stays null on the wire.</summary>
/// <typeparam name="T">The type serialized.</typeparam>
/// <param name="typeInfo">The contract of <typeparamref name="T"/>, e.g. from a source-generated <c>JsonSerializerContext</c>.</param>
public sealed class JsonSerializer<T>(JsonTypeInfo<T> typeInfo) : ISerializer<T>
{
    /// <summary>A serializer with <paramref name="options"/> (null: System.Text.Json's defaults), the contract built by reflection.</summary>
    [RequiresUnreferencedCode(ReflectedJson.Reason)]
    [RequiresDynamicCode(ReflectedJson.Reason)]
    public JsonSerializer(JsonSerializerOptions? options = null)
        : this(ReflectedJson.TypeInfo<T>(options))
    {
    }

    /// <inheritdoc />
    public byte[]? Serialize(T data, SerializationContext context)
        => data is null ? null : System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, typeInfo);
}
