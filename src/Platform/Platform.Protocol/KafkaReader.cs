using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Platform.Protocol;

/// <summary>
/// Reads Kafka's primitive types from one complete, contiguous frame. Decoding is synchronous: the
/// connection loop awaits a whole frame first, so no field ever waits on the network.
/// Variable-length data (<c>records</c>) is sliced from the frame, not copied: it stays valid as
/// long as the frame's buffer does.
/// </summary>
public ref struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> buffer)
    {
        _memory = buffer;
        _span = buffer.Span;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _span.Length - _position;

    public readonly bool End => _position >= _span.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_span.Length - _position))
        {
            throw Truncated(count);
        }

        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly ProtocolException Truncated(int count)
        => new($"Truncated message: needed {count} bytes at position {_position}, {_span.Length - _position} left.");

    public bool ReadBool() => Take(1)[0] != 0;

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new ProtocolException("Unsigned varint is longer than 5 bytes.");
    }

    public int ReadVarInt()
    {
        var raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    public long ReadVarLong()
    {
        ulong raw = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Take(1)[0];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(raw >> 1) ^ -(long)(raw & 1);
            }
        }

        throw new ProtocolException("Varlong is longer than 10 bytes.");
    }

    /// <summary>Reads a length: int16/int32 for classic encodings, unsigned varint + 1 for compact ones. -1 means null.</summary>
    private int ReadLength(bool compact, bool wide)
    {
        if (compact)
        {
            var raw = ReadUnsignedVarInt();
            if (raw > int.MaxValue)
            {
                throw new ProtocolException($"Compact length {raw} is too large.");
            }

            return (int)raw - 1;
        }

        var length = wide ? ReadInt32() : ReadInt16();
        if (length < -1)
        {
            throw new ProtocolException($"Invalid negative length {length} at position {_position}.");
        }

        return length;
    }

    public string? ReadNullableString(bool compact)
    {
        var length = ReadLength(compact, wide: false);
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public string ReadString(bool compact)
        => ReadNullableString(compact) ?? throw new ProtocolException("Non-nullable string was null.");

    public byte[]? ReadNullableBytes(bool compact)
    {
        var length = ReadLength(compact, wide: true);
        return length < 0 ? null : Take(length).ToArray();
    }

    public byte[] ReadBytes(bool compact)
        => ReadNullableBytes(compact) ?? throw new ProtocolException("Non-nullable bytes were null.");

    /// <summary>Reads a <c>records</c> field as a slice of the frame (no copy).</summary>
    public MemoryRecords? ReadRecords(bool compact)
    {
        var length = ReadLength(compact, wide: true);
        if (length < 0)
        {
            return null;
        }

        var start = _position;
        Take(length);
        return new MemoryRecords(_memory.Slice(start, length));
    }

    /// <summary>Reads an array's element count; -1 means a null array.</summary>
    public int ReadArrayLength(bool compact)
    {
        var length = ReadLength(compact, wide: true);
        // Every element takes at least one byte, which bounds what a hostile length can allocate.
        if (length > Remaining)
        {
            throw new ProtocolException($"Array length {length} exceeds the {Remaining} bytes left in the message.");
        }

        return length;
    }

    public void Skip(int count) => Take(count);

    /// <summary>Skips the tagged fields of a struct this code does not know.</summary>
    public void SkipTaggedFields()
    {
        var count = ReadUnsignedVarInt();
        for (var i = 0u; i < count; i++)
        {
            ReadUnsignedVarInt();
            var size = ReadUnsignedVarInt();
            if (size > (uint)Remaining)
            {
                throw new ProtocolException($"Tagged field of {size} bytes exceeds the {Remaining} bytes left in the message.");
            }

            Take((int)size);
        }
    }

    /// <summary>Returns the raw bytes from <paramref name="start"/> to the current position.</summary>
    public readonly ReadOnlyMemory<byte> Slice(int start, int length) => _memory.Slice(start, length);
}
