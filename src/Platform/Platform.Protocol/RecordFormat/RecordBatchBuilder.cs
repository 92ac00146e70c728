using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// Builds one RecordBatch v2. Records are encoded as they are appended into a pooled buffer (no
/// per-record allocation), after room for the batch header; <see cref="Build"/> compresses that buffer once,
/// writes the header and the CRC, and can be repeated; <see cref="BuildInPlace"/> writes the header of an
/// uncompressed batch into that room, so the batch is sent from where its records were encoded. <see cref="Reset"/> starts the next batch while keeping the buffers and
/// the batch-level settings. Not thread-safe.
/// </summary>
/// <remarks>
/// Offsets: each <c>Append</c> takes the next offset delta; <see cref="AppendWithOffsetDelta"/> and
/// <see cref="Append(in Record)"/> take explicit, strictly increasing deltas, so log compaction can
/// re-encode kept records with their original offsets. Timestamps: deltas are taken from
/// <see cref="BaseTimestamp"/>, which defaults to the first record's timestamp and can be set before
/// the first record (e.g. to the delete horizon).
/// </remarks>
public sealed class RecordBatchBuilder : IDisposable
{
    /// <summary>Kafka's "no timestamp".</summary>
    public const long NoTimestamp = -1;

    private const int MaxRecordOverhead = 5 + 1 + VarInt.MaxVarLongBytes + VarInt.MaxVarIntBytes + 5 + 5 + 5;

    // The records start after room for the header.
    private const int RecordsStart = RecordBatchHeader.Size;

    private byte[] _buffer;
    private int _length;
    private int _count;
    private int _lastOffsetDelta = -1;
    private long _baseTimestamp = NoTimestamp;
    private bool _hasBaseTimestamp;
    private long _maxTimestamp = NoTimestamp;
    private KafkaWriter? _compressed;

    public RecordBatchBuilder(CompressionType compression = CompressionType.None, int initialCapacity = 16 * 1024)
    {
        Compression = compression;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, RecordsStart + 256));
    }

    public CompressionType Compression { get; set; }

    /// <summary>Codec level; -1 for the codec's default.</summary>
    public int CompressionLevel { get; set; } = RecordFormat.Compression.DefaultLevel;

    public long BaseOffset { get; set; }

    public int PartitionLeaderEpoch { get; set; } = -1;

    public long ProducerId { get; set; } = -1;

    public short ProducerEpoch { get; set; } = -1;

    public int BaseSequence { get; set; } = -1;

    public bool IsTransactional { get; set; }

    public bool IsControl { get; set; }

    public TimestampType TimestampType { get; set; }

    /// <summary>Sets attribute bit 6: <see cref="BaseTimestamp"/> is the compaction delete horizon.</summary>
    public bool HasDeleteHorizon { get; set; }

    /// <summary>Records appended so far.</summary>
    public int Count => _count;

    /// <summary>Plain bytes of the records appended so far, without the header.</summary>
    public int RecordsSizeInBytes => _length;

    /// <summary>Size of the batch if built uncompressed: an upper estimate for compressed batches too.</summary>
    public int UncompressedSizeInBytes => RecordBatchHeader.Size + _length;

    /// <summary>The largest record timestamp, or -1 before any record.</summary>
    public long MaxTimestamp => _maxTimestamp;

    /// <summary>
    /// Timestamp the record deltas are relative to. Defaults to the first record's timestamp; set it
    /// before the first record to choose another base (compaction's delete horizon).
    /// </summary>
    public long BaseTimestamp
    {
        get => _baseTimestamp;
        set
        {
            if (_count > 0)
            {
                throw new InvalidOperationException("The base timestamp cannot change once records are appended.");
            }

            _baseTimestamp = value;
            _hasBaseTimestamp = true;
        }
    }

    /// <summary>
    /// The last offset delta written in the header. It follows the records; compaction may raise it
    /// (never lower it) to keep a batch's original last offset, even for an empty batch.
    /// </summary>
    public int LastOffsetDelta
    {
        get => _lastOffsetDelta;
        set
        {
            if (value < _lastOffsetDelta)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Must not be below the last record's delta {_lastOffsetDelta}.");
            }

            _lastOffsetDelta = value;
        }
    }

    /// <summary>An upper bound of the bytes one record adds to <see cref="RecordsSizeInBytes"/>.</summary>
    public static int EstimateRecordSize(int keyLength, int valueLength, IReadOnlyList<RecordHeader>? headers = null)
    {
        var size = MaxRecordOverhead + Math.Max(keyLength, 0) + Math.Max(valueLength, 0);
        if (headers is not null)
        {
            for (var i = 0; i < headers.Count; i++)
            {
                size += 10 + Encoding.UTF8.GetMaxByteCount(headers[i].Key?.Length ?? 0) + (headers[i].Value?.Length ?? 0);
            }
        }

        return size;
    }

    /// <summary>Appends a record at the next offset delta. A null array is a null key or value.</summary>
    public void Append(long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers = null)
        => AppendCore(_lastOffsetDelta + 1, timestamp, key, key is null, value, value is null, headers, default, 0);

    /// <summary>Appends a record at the next offset delta. A null memory is a null key or value.</summary>
    public void Append(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, IReadOnlyList<RecordHeader>? headers = null)
        => AppendCore(_lastOffsetDelta + 1, timestamp, key.GetValueOrDefault().Span, key is null, value.GetValueOrDefault().Span, value is null, headers, default, 0);

    /// <summary>Appends a record from spans; the flags say whether the key or value is null (the span is then ignored).</summary>
    public void Append(long timestamp, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, IReadOnlyList<RecordHeader>? headers = null)
        => AppendCore(_lastOffsetDelta + 1, timestamp, key, keyIsNull, value, valueIsNull, headers, default, 0);

    /// <summary>Appends a record at an explicit offset delta, which must exceed the previous one.</summary>
    public void AppendWithOffsetDelta(int offsetDelta, long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, IReadOnlyList<RecordHeader>? headers = null)
        => AppendCore(offsetDelta, timestamp, key.GetValueOrDefault().Span, key is null, value.GetValueOrDefault().Span, value is null, headers, default, 0);

    /// <summary>
    /// Re-encodes a decoded record, keeping its offset (relative to <see cref="BaseOffset"/>), its timestamp
    /// and its headers' bytes: what log compaction does with the records it keeps.
    /// </summary>
    public void Append(in Record record)
    {
        var delta = record.Offset - BaseOffset;
        if (delta is < 0 or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(record), record.Offset, $"Offset is not within a batch based at {BaseOffset}.");
        }

        AppendCore((int)delta, record.Timestamp, record.KeySpan, record.IsKeyNull, record.ValueSpan, record.IsValueNull, null, record.Headers.Encoded.Span, record.Headers.Count);
    }

    /// <summary>
    /// Appends a decoded record at the next offset delta, keeping its timestamp and its headers' bytes:
    /// what a producer does when it splits a batch the broker found too large into smaller ones.
    /// </summary>
    public void AppendAtNextOffset(in Record record)
        => AppendCore(_lastOffsetDelta + 1, record.Timestamp, record.KeySpan, record.IsKeyNull, record.ValueSpan, record.IsValueNull, null, record.Headers.Encoded.Span, record.Headers.Count);

    private void AppendCore(
        int offsetDelta,
        long timestamp,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        IReadOnlyList<RecordHeader>? headers,
        ReadOnlySpan<byte> encodedHeaders,
        int encodedHeaderCount)
    {
        if (offsetDelta <= _lastOffsetDelta)
        {
            throw new ArgumentOutOfRangeException(nameof(offsetDelta), offsetDelta, $"Offset deltas must increase; the last was {_lastOffsetDelta}.");
        }

        if (!_hasBaseTimestamp)
        {
            _baseTimestamp = timestamp;
            _hasBaseTimestamp = true;
        }

        var timestampDelta = timestamp - _baseTimestamp;
        var headerCount = headers?.Count ?? encodedHeaderCount;
        var headersSize = headers is null ? encodedHeaders.Length : HeadersSize(headers);

        var bodySize = checked(1
            + VarInt.SizeOf(timestampDelta)
            + VarInt.SizeOf(offsetDelta)
            + BytesSize(key, keyIsNull)
            + BytesSize(value, valueIsNull)
            + VarInt.SizeOf(headerCount)
            + headersSize);
        var total = checked(VarInt.SizeOf(bodySize) + bodySize);
        var span = Reserve(total);

        var p = VarInt.Write(span, bodySize);
        span[p++] = 0; // record attributes: unused
        p += VarInt.Write(span[p..], timestampDelta);
        p += VarInt.Write(span[p..], offsetDelta);
        p += WriteBytes(span[p..], key, keyIsNull);
        p += WriteBytes(span[p..], value, valueIsNull);
        p += VarInt.Write(span[p..], headerCount);
        if (headers is null)
        {
            encodedHeaders.CopyTo(span[p..]);
            p += encodedHeaders.Length;
        }
        else
        {
            for (var i = 0; i < headers.Count; i++)
            {
                var header = headers[i];
                var keyBytes = Encoding.UTF8.GetByteCount(header.Key);
                p += VarInt.Write(span[p..], keyBytes);
                p += Encoding.UTF8.GetBytes(header.Key, span[p..]);
                p += WriteBytes(span[p..], header.Value, header.Value is null);
            }
        }

        _length += total;
        _count++;
        _lastOffsetDelta = offsetDelta;
        if (timestamp > _maxTimestamp)
        {
            _maxTimestamp = timestamp;
        }
    }

    private static int HeadersSize(IReadOnlyList<RecordHeader> headers)
    {
        var size = 0;
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            if (header.Key is null)
            {
                throw new ArgumentException("Record header keys must not be null.", nameof(headers));
            }

            var keyBytes = Encoding.UTF8.GetByteCount(header.Key);
            size = checked(size + VarInt.SizeOf(keyBytes) + keyBytes + BytesSize(header.Value, header.Value is null));
        }

        return size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BytesSize(ReadOnlySpan<byte> bytes, bool isNull) => isNull ? 1 : VarInt.SizeOf(bytes.Length) + bytes.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteBytes(Span<byte> destination, ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
        {
            return VarInt.Write(destination, -1);
        }

        var p = VarInt.Write(destination, bytes.Length);
        bytes.CopyTo(destination[p..]);
        return p + bytes.Length;
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - RecordsStart - _length < count)
        {
            ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
            var next = ArrayPool<byte>.Shared.Rent(Math.Max(checked(RecordsStart + _length + count), _buffer.Length * 2));
            _buffer.AsSpan(RecordsStart, _length).CopyTo(next.AsSpan(RecordsStart));
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = next;
        }

        return _buffer.AsSpan(RecordsStart + _length, count);
    }

    /// <summary>Writes the batch (header, CRC, compressed records) to <paramref name="destination"/>; returns its size.</summary>
    public int Build(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);

        // An empty batch (compaction keeping producer state) carries no records section to compress.
        var compression = _count == 0 ? CompressionType.None : Compression;
        ReadOnlySpan<byte> records = _buffer.AsSpan(RecordsStart, _length);
        if (compression != CompressionType.None)
        {
            var compressed = _compressed ??= new KafkaWriter(_buffer.Length);
            compressed.Reset();
            RecordFormat.Compression.Compress(compression, records, compressed, CompressionLevel);
            records = compressed.WrittenSpan;
        }

        var size = checked(RecordBatchHeader.Size + records.Length);
        var batch = destination.GetSpan(size)[..size];
        WriteHeader(batch, compression);
        records.CopyTo(batch[RecordBatchHeader.Size..]);
        RecordBatchHeader.UpdateCrc(batch);
        destination.Advance(size);
        return size;
    }

    /// <summary>
    /// Builds an uncompressed batch where its records are: the header (and CRC) is written into the room before them.
    /// The bytes stay valid until the next <see cref="Reset"/>, append or <see cref="Dispose"/>; repeating it rewrites the header.
    /// </summary>
    /// <exception cref="InvalidOperationException">The batch is to be compressed: use <see cref="Build"/>.</exception>
    public ReadOnlyMemory<byte> BuildInPlace()
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (Compression != CompressionType.None && _count > 0)
        {
            throw new InvalidOperationException($"A {Compression} batch is built into another buffer (Build), not in place.");
        }

        var batch = _buffer.AsSpan(0, RecordsStart + _length);
        WriteHeader(batch, CompressionType.None);
        RecordBatchHeader.UpdateCrc(batch);
        return _buffer.AsMemory(0, batch.Length);
    }

    /// <summary>Builds the batch into a new array.</summary>
    public byte[] BuildToArray()
    {
        var writer = new ArrayBufferWriter<byte>(UncompressedSizeInBytes);
        Build(writer);
        return writer.WrittenSpan.ToArray();
    }

    private void WriteHeader(Span<byte> batch, CompressionType compression)
    {
        var attributes = (short)compression;
        if (TimestampType == TimestampType.LogAppendTime)
        {
            attributes |= RecordBatchHeader.TimestampTypeMask;
        }

        if (IsTransactional)
        {
            attributes |= RecordBatchHeader.TransactionalFlag;
        }

        if (IsControl)
        {
            attributes |= RecordBatchHeader.ControlFlag;
        }

        if (HasDeleteHorizon)
        {
            attributes |= RecordBatchHeader.DeleteHorizonFlag;
        }

        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseOffsetOffset..], BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..], PartitionLeaderEpoch);
        batch[RecordBatchHeader.MagicOffset] = RecordBatchHeader.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..], _lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..], _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.ProducerIdOffset..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.ProducerEpochOffset..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BaseSequenceOffset..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.RecordsCountOffset..], _count);
    }

    /// <summary>Forgets the records and timestamps to start a new batch; keeps settings and buffers.</summary>
    public void Reset()
    {
        _length = 0;
        _count = 0;
        _lastOffsetDelta = -1;
        _baseTimestamp = NoTimestamp;
        _hasBaseTimestamp = false;
        _maxTimestamp = NoTimestamp;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _compressed?.Dispose();
        _compressed = null;
    }
}
