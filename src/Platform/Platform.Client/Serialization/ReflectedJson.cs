using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Platform.Client.Serialization;

/// <summary>The JSON contract System.Text.Json builds by reflection, for the serdes given options rather than a source-generated contract.</summary>
internal static class ReflectedJson
{
    /// <summary>Why a constructor taking options is not for trimmed or native AOT applications.</summary>
    public const string Reason = "System.Text.Json builds the contract of T by reflection; a trimmed or native AOT application passes a source-generated JsonTypeInfo<T> instead.";

    /// <summary>
    /// <typeparamref name="T"/>'s contract under <paramref name="options"/> (null: System.Text.Json's defaults). The
    /// options are locked for changes from here on, as their first use by the serializer would lock them.
    /// </summary>
    [RequiresUnreferencedCode(Reason)]
    [RequiresDynamicCode(Reason)]
    public static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions? options)
    {
        options ??= JsonSerializerOptions.Default;
        if (!options.IsReadOnly)
        {
            options.MakeReadOnly(populateMissingResolver: true);
        }

        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}
