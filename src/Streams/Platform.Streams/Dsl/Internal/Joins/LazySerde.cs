using Platform.Client.Serialization;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// A serde resolved on first use: the foreign-key join adds sinks and sources for its internal topics when the
/// DSL call is made, but the default serdes they may fall back on are known only once the topology is built.
/// </summary>
internal sealed class LazySerde<T>(Func<ISerde<T>> resolve) : ISerde<T>
{
    private readonly Lazy<ISerde<T>> _serde = new(resolve);

    public byte[]? Serialize(T data, SerializationContext context) => _serde.Value.Serialize(data, context);

    public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => _serde.Value.Deserialize(data, isNull, context);
}
