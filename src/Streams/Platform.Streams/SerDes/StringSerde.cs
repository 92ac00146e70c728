using System.Text;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>
/// Strings as UTF-8 (Kafka's <c>Serdes.String()</c>); null stays null. Typed <c>string</c> like Confluent's
/// deserializers, so topologies need no <c>string?</c> everywhere: a null on the wire still comes back as null.
/// </summary>
public sealed class StringSerde : ISerde<string>, ISpanWriter<string>
{
    private const int MaxCharsBounded = 1024;

    /// <inheritdoc/>
    public byte[]? Serialize(string data, SerializationContext context) => data is null ? null : Encoding.UTF8.GetBytes(data);

    /// <inheritdoc/>
    int ISpanWriter<string>.Size(string data) => data is null ? -1 : Encoding.UTF8.GetByteCount(data);

    /// <inheritdoc/>
    /// <remarks>
    /// UTF-8 takes at most 3 bytes per UTF-16 char (a surrogate pair's 4 bytes stand for 2 chars), so short strings
    /// get that bound instead of a counting pass before the encoding pass; long ones are counted, so a buffer sized
    /// by this is not three times as large as it need be.
    /// </remarks>
    int ISpanWriter<string>.MaxSize(string data)
        => data is null ? -1 : data.Length <= MaxCharsBounded ? Encoding.UTF8.GetMaxByteCount(data.Length) : Encoding.UTF8.GetByteCount(data);

    /// <inheritdoc/>
    int ISpanWriter<string>.Write(string data, Span<byte> destination) => Encoding.UTF8.GetBytes(data, destination);

    /// <inheritdoc/>
    public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null! : Encoding.UTF8.GetString(data);
}
