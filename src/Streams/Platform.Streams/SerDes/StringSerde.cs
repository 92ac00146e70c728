using System.Text;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>
/// Strings as UTF-8 (Kafka's <c>Serdes.String()</c>); null stays null. Typed <c>string</c> like Confluent's
/// deserializers, so topologies need no <c>string?</c> everywhere: a null on the wire still comes back as null.
/// </summary>
public sealed class StringSerde : ISerde<string>, ISpanWriter<string>
{
    /// <inheritdoc/>
    public byte[]? Serialize(string data, SerializationContext context) => data is null ? null : Encoding.UTF8.GetBytes(data);

    /// <inheritdoc/>
    int ISpanWriter<string>.Size(string data) => data is null ? -1 : Encoding.UTF8.GetByteCount(data);

    /// <inheritdoc/>
    int ISpanWriter<string>.Write(string data, Span<byte> destination) => Encoding.UTF8.GetBytes(data, destination);

    /// <inheritdoc/>
    public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null! : Encoding.UTF8.GetString(data);
}
