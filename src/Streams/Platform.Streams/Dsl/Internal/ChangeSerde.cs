using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.Errors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Writes a <see cref="Change{TValue}"/> into one record of a repartition topic, so a grouped table's
/// subtract-then-add reaches the aggregation together: a flag byte (1: new value, 2: old value), then each
/// present value as a 4-byte big-endian length (-1: the value serialized to null) and its bytes.
/// </summary>
internal sealed class ChangeSerde<TValue>(ISerde<TValue>? inner, string operatorName, Func<object?>? defaultSerde = null) : ISerde<Change<TValue>>
{
    private const byte HasNewFlag = 1;
    private const byte HasOldFlag = 2;

    private ISerde<TValue>? _inner = inner;

    public byte[]? Serialize(Change<TValue> data, SerializationContext context)
    {
        var serde = Inner();
        var newBytes = data.HasNew ? serde.Serialize(data.NewValue, context) : null;
        var oldBytes = data.HasOld ? serde.Serialize(data.OldValue, context) : null;
        var size = 1 + (data.HasNew ? 4 + (newBytes?.Length ?? 0) : 0) + (data.HasOld ? 4 + (oldBytes?.Length ?? 0) : 0);
        var buffer = new byte[size];
        buffer[0] = (byte)((data.HasNew ? HasNewFlag : 0) | (data.HasOld ? HasOldFlag : 0));
        var position = 1;
        if (data.HasNew)
        {
            position = Write(buffer, position, newBytes);
        }

        if (data.HasOld)
        {
            Write(buffer, position, oldBytes);
        }

        return buffer;
    }

    public Change<TValue> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull || data.Length < 1)
        {
            throw new StreamsException($"A record of the repartition topic '{context.Topic}' of {operatorName} has no change value.");
        }

        var serde = Inner();
        var flags = data[0];
        var rest = data[1..];
        TValue newValue = default!;
        TValue oldValue = default!;
        var hasNew = (flags & HasNewFlag) != 0;
        var hasOld = (flags & HasOldFlag) != 0;
        if (hasNew)
        {
            newValue = Read(serde, ref rest, context);
        }

        if (hasOld)
        {
            oldValue = Read(serde, ref rest, context);
        }

        return new Change<TValue>(newValue, hasNew, oldValue, hasOld);
    }

    private ISerde<TValue> Inner()
        => _inner ??= defaultSerde?.Invoke() as ISerde<TValue>
            ?? throw new TopologyException(
                $"{operatorName} needs a value serde for {typeof(TValue).Name} to write its repartition topic: give one with Grouped.With(...) or set default.value.serde.");

    private static int Write(byte[] buffer, int position, byte[]? bytes)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(position), bytes?.Length ?? -1);
        position += 4;
        if (bytes is not null)
        {
            bytes.CopyTo(buffer, position);
            position += bytes.Length;
        }

        return position;
    }

    private static TValue Read(ISerde<TValue> serde, ref ReadOnlySpan<byte> data, SerializationContext context)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(data);
        data = data[4..];
        if (length < 0)
        {
            return serde.Deserialize(ReadOnlySpan<byte>.Empty, true, context);
        }

        var value = serde.Deserialize(data[..length], false, context);
        data = data[length..];
        return value;
    }
}
