using System.Text;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>
/// Strings as UTF-8 (Kafka's <c>Serdes.String()</c>); null stays null. Typed <c>string</c> like Confluent's
/// deserializers, so topologies need no <c>string?</c> everywhere: a null on the wire still comes back as null.
/// </summary>
public sealed class StringSerde : ISerde<string>, IPrefixedSerializer<string>
{
    /// <inheritdoc/>
    public byte[]? Serialize(string data, SerializationContext context) => data is null ? null : Encoding.UTF8.GetBytes(data);

    /// <inheritdoc/>
    byte[]? IPrefixedSerializer<string>.Serialize(string data, int prefix, SerializationContext context)
    {
        if (data is null)
        {
            return null;
        }

        var bytes = new byte[prefix + Encoding.UTF8.GetByteCount(data)];
        Encoding.UTF8.GetBytes(data, bytes.AsSpan(prefix));
        return bytes;
    }

    /// <inheritdoc/>
    public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null! : Encoding.UTF8.GetString(data);
}
