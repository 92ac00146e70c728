using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>
/// A serializer and deserializer for one type, as Kafka Streams' <c>Serde</c>: every operator that reads or
/// writes a topic or a store needs one for keys and one for values (given per operator or by the
/// <c>default.key.serde</c>/<c>default.value.serde</c> settings). Null serializes to null (a tombstone).
/// </summary>
public interface ISerde<T> : ISerializer<T>, IDeserializer<T>
{
}
