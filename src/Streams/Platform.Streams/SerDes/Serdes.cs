using System.Text.Json;
using Platform.Client.Serialization;
using Platform.Streams.State;

namespace Platform.Streams.SerDes;

/// <summary>
/// The built-in serdes, with the byte layouts of Kafka's Java serdes so topics stay readable by other
/// clients: UTF-8 strings, raw bytes, big-endian numbers, JSON, and <see cref="Void"/> for absent keys.
/// </summary>
public static class Serdes
{
    /// <summary>UTF-8 strings.</summary>
    public static ISerde<string?> String { get; } = new StringSerde();

    /// <summary>Byte arrays as they are.</summary>
    public static ISerde<byte[]?> ByteArray { get; } = new ByteArraySerde();

    /// <summary><see cref="State.Bytes"/> as their bytes.</summary>
    public static ISerde<Bytes?> Bytes { get; } = new BytesSerde();

    /// <summary>32-bit integers, 4 bytes big-endian.</summary>
    public static ISerde<int> Int32 { get; } = new Int32Serde();

    /// <summary>64-bit integers, 8 bytes big-endian.</summary>
    public static ISerde<long> Int64 { get; } = new Int64Serde();

    /// <summary>Doubles, 8 bytes big-endian IEEE 754.</summary>
    public static ISerde<double> Double { get; } = new DoubleSerde();

    /// <summary>Always null.</summary>
    public static ISerde<Null?> Void { get; } = new VoidSerde();

    /// <summary>UTF-8 JSON of <typeparamref name="T"/> with System.Text.Json.</summary>
    public static ISerde<T?> Json<T>(JsonSerializerOptions? options = null) => new JsonSerde<T>(options);

    /// <summary>A serde from a serializer and a deserializer.</summary>
    public static ISerde<T> From<T>(ISerializer<T> serializer, IDeserializer<T> deserializer) => new Serde<T>(serializer, deserializer);

    /// <summary>
    /// A built-in serde by name, as <c>default.key.serde</c>/<c>default.value.serde</c> give it: a short name
    /// (<c>String</c>, <c>ByteArray</c>, <c>Bytes</c>, <c>Int32</c>/<c>Integer</c>, <c>Int64</c>/<c>Long</c>,
    /// <c>Double</c>, <c>Void</c>), Kafka's Java class name, or the name of a .NET type with a parameterless
    /// constructor that implements <see cref="ISerde{T}"/>. Null when unknown.
    /// </summary>
    public static object? ByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var shortName = name;
        var dollar = name.LastIndexOf('$');
        if (dollar >= 0)
        {
            // Java's nested class names: org.apache.kafka.common.serialization.Serdes$StringSerde
            shortName = name[(dollar + 1)..];
        }

        var dot = shortName.LastIndexOf('.');
        if (dot >= 0)
        {
            shortName = shortName[(dot + 1)..];
        }

        if (shortName.EndsWith("Serde", StringComparison.Ordinal))
        {
            shortName = shortName[..^5];
        }

        switch (shortName)
        {
            case "String":
                return String;
            case "ByteArray":
                return ByteArray;
            case "Bytes":
                return Bytes;
            case "Int32" or "Integer":
                return Int32;
            case "Int64" or "Long":
                return Int64;
            case "Double":
                return Double;
            case "Void":
                return Void;
        }

        var type = Type.GetType(name, throwOnError: false);
        if (type is null || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
        {
            return null;
        }

        foreach (var implemented in type.GetInterfaces())
        {
            if (implemented.IsGenericType && implemented.GetGenericTypeDefinition() == typeof(ISerde<>))
            {
                return Activator.CreateInstance(type);
            }
        }

        return null;
    }
}
