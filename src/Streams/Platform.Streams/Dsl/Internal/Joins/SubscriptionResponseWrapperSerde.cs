using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// Kafka's layout of a subscription response (version 0): one byte with the version and, in its top bit, "no
/// hash"; the 16-byte hash when present; then the serialized foreign value, absent when nothing follows (so,
/// as in Kafka, a value that serializes to zero bytes reads back as absent).
/// </summary>
internal sealed class SubscriptionResponseWrapperSerde<TForeignValue> : ISerde<SubscriptionResponseWrapper<TForeignValue>>
{
    private const byte Version = 0;
    private const byte NoHashBit = 0x80;
    private readonly Lazy<ISerde<TForeignValue>> _foreignValueSerde;

    /// <param name="foreignValueSerde">The foreign value serde, resolved on first use (defaults are known only once the topology is built).</param>
    public SubscriptionResponseWrapperSerde(Func<ISerde<TForeignValue>> foreignValueSerde) => _foreignValueSerde = new Lazy<ISerde<TForeignValue>>(foreignValueSerde);

    public byte[]? Serialize(SubscriptionResponseWrapper<TForeignValue> data, SerializationContext context)
    {
        if (data is null)
        {
            return null;
        }

        var value = data.HasForeignValue ? _foreignValueSerde.Value.Serialize(data.ForeignValue!, context) : null;
        var hashLength = data.OriginalValueHash is null ? 0 : 16;
        var bytes = new byte[1 + hashLength + (value?.Length ?? 0)];
        bytes[0] = data.OriginalValueHash is null ? (byte)(Version | NoHashBit) : Version;
        if (data.OriginalValueHash is { } hash)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), hash.High);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(9), hash.Low);
        }

        value?.CopyTo(bytes, 1 + hashLength);
        return bytes;
    }

    public SubscriptionResponseWrapper<TForeignValue> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!;
        }

        if (data.Length < 1 || (data[0] & ~NoHashBit) != Version)
        {
            throw new InvalidDataException($"Not a version {Version} foreign-key join response ({data.Length} bytes).");
        }

        ValueHash? hash = null;
        var offset = 1;
        if ((data[0] & NoHashBit) == 0)
        {
            hash = new ValueHash(BinaryPrimitives.ReadInt64BigEndian(data[1..]), BinaryPrimitives.ReadInt64BigEndian(data[9..]));
            offset += 16;
        }

        return data.Length > offset
            ? new SubscriptionResponseWrapper<TForeignValue>(hash, true, _foreignValueSerde.Value.Deserialize(data[offset..], false, context))
            : new SubscriptionResponseWrapper<TForeignValue>(hash, false, default);
    }
}
