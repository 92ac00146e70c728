using System.Text;
using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>Strings as UTF-8 (Kafka's <c>Serdes.String()</c>); null stays null.</summary>
public sealed class StringSerde : ISerde<string?>
{
    /// <inheritdoc/>
    public byte[]? Serialize(string? data, SerializationContext context) => data is null ? null : Encoding.UTF8.GetBytes(data);

    /// <inheritdoc/>
    public string? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null : Encoding.UTF8.GetString(data);
}
