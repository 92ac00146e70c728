using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// Kafka's layout of a subscription (version 0): one byte with the version and, in its top bit, "no hash";
/// one instruction byte; the 16-byte hash when present; then the serialized left key.
/// </summary>
internal sealed class SubscriptionWrapperSerde<TKey> : ISerde<SubscriptionWrapper<TKey>>
{
    private const byte Version = 0;
    private const byte NoHashBit = 0x80;
    private readonly Lazy<ISerde<TKey>> _primaryKeySerde;
    private readonly string _primaryKeyPseudoTopic;

    /// <param name="primaryKeySerde">The left key serde, resolved on first use (defaults are known only once the topology is built).</param>
    /// <param name="primaryKeyPseudoTopic">The topic name the left key serde is called with.</param>
    public SubscriptionWrapperSerde(Func<ISerde<TKey>> primaryKeySerde, string primaryKeyPseudoTopic)
    {
        _primaryKeySerde = new Lazy<ISerde<TKey>>(primaryKeySerde);
        _primaryKeyPseudoTopic = primaryKeyPseudoTopic;
    }

    public byte[]? Serialize(SubscriptionWrapper<TKey> data, SerializationContext context)
    {
        if (data is null)
        {
            return null;
        }

        var key = _primaryKeySerde.Value.Serialize(data.PrimaryKey, new SerializationContext(MessageComponentType.Key, _primaryKeyPseudoTopic, context.Headers))
            ?? throw new InvalidOperationException("The foreign-key join's left key serialized to null.");
        var hashLength = data.Hash is null ? 0 : 16;
        var bytes = new byte[2 + hashLength + key.Length];
        bytes[0] = data.Hash is null ? (byte)(Version | NoHashBit) : Version;
        bytes[1] = (byte)data.Instruction;
        if (data.Hash is { } hash)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2), hash.High);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(10), hash.Low);
        }

        key.CopyTo(bytes, 2 + hashLength);
        return bytes;
    }

    public SubscriptionWrapper<TKey> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!;
        }

        if (data.Length < 2 || (data[0] & ~NoHashBit) != Version)
        {
            throw new InvalidDataException($"Not a version {Version} foreign-key join subscription ({data.Length} bytes).");
        }

        var hasHash = (data[0] & NoHashBit) == 0;
        var instruction = (SubscriptionInstruction)data[1];
        ValueHash? hash = null;
        var offset = 2;
        if (hasHash)
        {
            hash = new ValueHash(BinaryPrimitives.ReadInt64BigEndian(data[2..]), BinaryPrimitives.ReadInt64BigEndian(data[10..]));
            offset += 16;
        }

        var key = _primaryKeySerde.Value.Deserialize(data[offset..], false, new SerializationContext(MessageComponentType.Key, _primaryKeyPseudoTopic, context.Headers));
        return new SubscriptionWrapper<TKey>(hash, instruction, key);
    }
}
