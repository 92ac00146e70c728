using Platform.Client.Serialization;
using Platform.Streams.State;

namespace Platform.Streams.SerDes;

/// <summary><see cref="State.Bytes"/> as their bytes.</summary>
public sealed class BytesSerde : ISerde<Bytes?>
{
    /// <inheritdoc/>
    public byte[]? Serialize(Bytes? data, SerializationContext context) => data?.Value;

    /// <inheritdoc/>
    public Bytes? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null : Bytes.Copy(data);
}
