using Platform.Streams.Errors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Processors.Internal;

/// <summary>The default serdes of the configuration, checked against the type an operator needs.</summary>
internal static class Defaults
{
    /// <summary>The default key or value serde as an <see cref="ISerde{T}"/>; <paramref name="user"/> names who needs it in errors.</summary>
    /// <exception cref="TopologyException">No default is set, or it is for another type.</exception>
    public static ISerde<T> Serde<T>(StreamsConfig config, bool isKey, string user)
    {
        var key = isKey ? StreamsConfig.DefaultKeySerdeConfig : StreamsConfig.DefaultValueSerdeConfig;
        var serde = isKey ? config.DefaultKeySerde : config.DefaultValueSerde;
        return serde switch
        {
            ISerde<T> typed => typed,
            null => throw new TopologyException($"{user} has no {(isKey ? "key" : "value")} serde for {typeof(T).Name}: give one, or set {key}."),
            _ => throw new TopologyException($"{user} needs a {(isKey ? "key" : "value")} serde for {typeof(T).Name}, but {key} is {serde.GetType().Name}: give one explicitly."),
        };
    }
}
