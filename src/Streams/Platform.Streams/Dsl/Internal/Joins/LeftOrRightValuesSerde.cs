using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The values waiting under one outer-join store key (records of one key, side and timestamp): a 4-byte count,
/// then per value one byte 1 = left / 0 = right, a 4-byte length and the serialized value, as Kafka's list-value
/// store keeps duplicates under one key.
/// </summary>
internal sealed class LeftOrRightValuesSerde<TLeft, TRight> : ISerde<IReadOnlyList<LeftOrRightValue<TLeft, TRight>>>
{
    private readonly ISerde<TLeft> _leftSerde;
    private readonly ISerde<TRight> _rightSerde;

    public LeftOrRightValuesSerde(ISerde<TLeft> leftSerde, ISerde<TRight> rightSerde)
    {
        _leftSerde = leftSerde;
        _rightSerde = rightSerde;
    }

    public byte[]? Serialize(IReadOnlyList<LeftOrRightValue<TLeft, TRight>> data, SerializationContext context)
    {
        if (data is null)
        {
            return null;
        }

        var parts = new byte[data.Count][];
        var length = 4;
        for (var i = 0; i < data.Count; i++)
        {
            var value = data[i];
            parts[i] = (value.IsLeft ? _leftSerde.Serialize(value.Left!, context) : _rightSerde.Serialize(value.Right!, context)) ?? [];
            length += 5 + parts[i].Length;
        }

        var bytes = new byte[length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, data.Count);
        var offset = 4;
        for (var i = 0; i < data.Count; i++)
        {
            bytes[offset] = data[i].IsLeft ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(offset + 1), parts[i].Length);
            parts[i].CopyTo(bytes, offset + 5);
            offset += 5 + parts[i].Length;
        }

        return bytes;
    }

    public IReadOnlyList<LeftOrRightValue<TLeft, TRight>> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!;
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(data);
        var values = new List<LeftOrRightValue<TLeft, TRight>>(count);
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var isLeft = data[offset] == 1;
            var length = BinaryPrimitives.ReadInt32BigEndian(data[(offset + 1)..]);
            var value = data.Slice(offset + 5, length);
            values.Add(isLeft
                ? LeftOrRightValue<TLeft, TRight>.MakeLeft(_leftSerde.Deserialize(value, false, context))
                : LeftOrRightValue<TLeft, TRight>.MakeRight(_rightSerde.Deserialize(value, false, context)));
            offset += 5 + length;
        }

        return values;
    }
}
