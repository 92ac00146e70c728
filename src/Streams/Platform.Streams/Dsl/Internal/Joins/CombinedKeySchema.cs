using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The key of the foreign-key join's subscription store, in Kafka's layout: the 4-byte length of the
/// serialized foreign key, the foreign key, then the left key. All subscriptions of one foreign key share a
/// prefix, so a change of the foreign record finds its subscribers with one range scan.
/// </summary>
internal sealed class CombinedKeySchema<TForeignKey, TKey>
{
    private readonly ISerde<TForeignKey> _foreignKeySerde;
    private readonly string _foreignKeyPseudoTopic;
    private readonly ISerde<TKey> _primaryKeySerde;
    private readonly string _primaryKeyPseudoTopic;

    public CombinedKeySchema(ISerde<TForeignKey> foreignKeySerde, string foreignKeyPseudoTopic, ISerde<TKey> primaryKeySerde, string primaryKeyPseudoTopic)
    {
        _foreignKeySerde = foreignKeySerde;
        _foreignKeyPseudoTopic = foreignKeyPseudoTopic;
        _primaryKeySerde = primaryKeySerde;
        _primaryKeyPseudoTopic = primaryKeyPseudoTopic;
    }

    /// <summary>The store key of <paramref name="primaryKey"/>'s subscription to <paramref name="foreignKey"/>.</summary>
    public Bytes ToBytes(TForeignKey foreignKey, TKey primaryKey)
    {
        var foreign = SerializeForeignKey(foreignKey);
        var primary = _primaryKeySerde.Serialize(primaryKey, new SerializationContext(MessageComponentType.Key, _primaryKeyPseudoTopic))
            ?? throw new InvalidOperationException("The foreign-key join's left key serialized to null.");
        var bytes = new byte[4 + foreign.Length + primary.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, foreign.Length);
        foreign.CopyTo(bytes, 4);
        primary.CopyTo(bytes, 4 + foreign.Length);
        return new Bytes(bytes);
    }

    /// <summary>The prefix every subscription to <paramref name="foreignKey"/> starts with.</summary>
    public Bytes PrefixBytes(TForeignKey foreignKey)
    {
        var foreign = SerializeForeignKey(foreignKey);
        var bytes = new byte[4 + foreign.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, foreign.Length);
        foreign.CopyTo(bytes, 4);
        return new Bytes(bytes);
    }

    /// <summary>The left key of a store key.</summary>
    public TKey PrimaryKeyOf(Bytes combined)
    {
        var foreignLength = BinaryPrimitives.ReadInt32BigEndian(combined.Value);
        return _primaryKeySerde.Deserialize(combined.Value.AsSpan(4 + foreignLength), false, new SerializationContext(MessageComponentType.Key, _primaryKeyPseudoTopic));
    }

    private byte[] SerializeForeignKey(TForeignKey foreignKey)
        => _foreignKeySerde.Serialize(foreignKey, new SerializationContext(MessageComponentType.Key, _foreignKeyPseudoTopic))
            ?? throw new InvalidOperationException("The foreign-key join's foreign key serialized to null.");
}
