using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Platform.Protocol;

/// <summary>
/// A growable, pooled buffer that writes Kafka's primitive types big-endian. Responses are written
/// once into it with a placeholder for the frame's size, which is patched at the end: one pass over
/// the message instead of a sizing pass and a writing pass. Large <c>records</c> can be deferred
/// instead of copied (<see cref="DeferRecordsFrom"/>): the sender then writes them between the
/// buffer's pieces, so a 50 MB fetch response never needs a 50 MB buffer.
/// </summary>
public sealed class KafkaWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;
    private List<DeferredRecords>? _deferred;
    private long _deferredBytes;

    public KafkaWriter(int initialCapacity = 256)
    {
        _buffer = FrameBuffers.Rent(Math.Max(initialCapacity, 16));
    }

    /// <summary>Bytes written into the buffer (deferred records not included).</summary>
    public int Length => _written;

    /// <summary>Bytes of the whole message: the buffer plus every deferred <c>records</c> field.</summary>
    public long TotalLength => _written + _deferredBytes;

    /// <summary>The buffer's capacity, to let an owner give back a buffer grown by one large message.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>
    /// Records of at least this many bytes are not copied: <see cref="WriteRecords"/> writes their
    /// length and remembers where they go (<see cref="Deferred"/>). 0, the default, copies everything.
    /// </summary>
    public int DeferRecordsFrom { get; set; }

    /// <summary>Records left out of the buffer, in order, each with the buffer position it belongs at.</summary>
    public IReadOnlyList<DeferredRecords> Deferred => (IReadOnlyList<DeferredRecords>?)_deferred ?? [];

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Reset()
    {
        _written = 0;
        _deferred?.Clear();
        _deferredBytes = 0;
    }

    /// <summary>
    /// Empties the writer and, when one large message grew its buffer past <paramref name="maxCapacity"/>,
    /// swaps it for a small one, so a connection does not keep the memory of its largest response.
    /// </summary>
    public void ResetAndShrink(int maxCapacity, int initialCapacity)
    {
        Reset();
        if (_buffer.Length > maxCapacity)
        {
            var large = _buffer;
            _buffer = FrameBuffers.Rent(Math.Max(initialCapacity, 16));
            FrameBuffers.Return(large);
        }
    }

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (_buffer.Length - _written < sizeHint)
        {
            Grow(sizeHint);
        }
    }

    private void Grow(int sizeHint)
    {
        var newSize = Math.Max(checked(_written + sizeHint), _buffer.Length * 2);
        var next = FrameBuffers.Rent(newSize);
        _buffer.AsSpan(0, _written).CopyTo(next);
        FrameBuffers.Return(_buffer);
        _buffer = next;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Next(int count)
    {
        Ensure(count);
        var span = _buffer.AsSpan(_written, count);
        _written += count;
        return span;
    }

    public void WriteBool(bool value) => Next(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt8(sbyte value) => Next(1)[0] = (byte)value;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Next(2), value);

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Next(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Next(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Next(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Next(8), value);

    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Next(8), value);

    public void WriteUuid(Guid value)
    {
        if (!value.TryWriteBytes(Next(16), bigEndian: true, out _))
        {
            throw new InvalidOperationException("Could not write a UUID.");
        }
    }

    public void WriteUnsignedVarInt(uint value)
    {
        Ensure(5);
        while (value >= 0x80)
        {
            _buffer[_written++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_written++] = (byte)value;
    }

    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    public void WriteVarLong(long value)
    {
        Ensure(10);
        var raw = (ulong)((value << 1) ^ (value >> 63));
        while (raw >= 0x80)
        {
            _buffer[_written++] = (byte)(raw | 0x80);
            raw >>= 7;
        }

        _buffer[_written++] = (byte)raw;
    }

    private void WriteLength(int length, bool compact, bool wide)
    {
        if (compact)
        {
            WriteUnsignedVarInt((uint)(length + 1));
        }
        else if (wide)
        {
            WriteInt32(length);
        }
        else
        {
            WriteInt16(checked((short)length));
        }
    }

    public void WriteNullableString(string? value, bool compact)
    {
        if (value is null)
        {
            WriteLength(-1, compact, wide: false);
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        WriteLength(count, compact, wide: false);
        Encoding.UTF8.GetBytes(value, Next(count));
    }

    public void WriteString(string value, bool compact)
        => WriteNullableString(value ?? throw new InvalidOperationException("A non-nullable string field is null."), compact);

    public void WriteNullableBytes(ReadOnlySpan<byte> value, bool isNull, bool compact)
    {
        if (isNull)
        {
            WriteLength(-1, compact, wide: true);
            return;
        }

        WriteLength(value.Length, compact, wide: true);
        value.CopyTo(Next(value.Length));
    }

    public void WriteNullableBytes(byte[]? value, bool compact) => WriteNullableBytes(value, value is null, compact);

    public void WriteBytes(byte[] value, bool compact)
        => WriteNullableBytes(value ?? throw new InvalidOperationException("A non-nullable bytes field is null."), compact);

    public void WriteRecords(Records? records, bool compact)
    {
        if (records is null)
        {
            WriteLength(-1, compact, wide: true);
            return;
        }

        var size = records.SizeInBytes;
        WriteLength(size, compact, wide: true);
        if (DeferRecordsFrom > 0 && size >= DeferRecordsFrom)
        {
            (_deferred ??= []).Add(new DeferredRecords(_written, records));
            _deferredBytes += size;
            return;
        }

        records.CopyTo(Next(size));
    }

    /// <summary>Writes an array's element count; -1 writes a null array.</summary>
    public void WriteArrayLength(int count, bool compact) => WriteLength(count, compact, wide: true);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Next(bytes.Length));

    /// <summary>Writes what <paramref name="value"/> holds, preceded by its size as an unsigned varint (a tagged field's value).</summary>
    public void WriteSized(KafkaWriter value)
    {
        if (value.Deferred.Count > 0)
        {
            throw new InvalidOperationException("A nested message cannot defer records: its bytes are copied into this one.");
        }

        WriteUnsignedVarInt((uint)value.Length);
        WriteRaw(value.WrittenSpan);
    }

    /// <summary>Reserves four bytes for a size written later with <see cref="PatchInt32"/>.</summary>
    public int ReserveInt32()
    {
        var position = _written;
        Next(4);
        return position;
    }

    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), value);

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        _deferred = null;
        _deferredBytes = 0;
        if (buffer.Length > 0)
        {
            FrameBuffers.Return(buffer);
        }
    }
}
