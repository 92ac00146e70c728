namespace Platform.Protocol.RecordFormat;

/// <summary>
/// Decodes the records of one batch at a time. Uncompressed records are read in place; compressed ones
/// are inflated into a pooled buffer the reader owns and reuses for the next batch, so a consumer loop
/// allocates nothing per record. Records returned stay valid until the next <see cref="Load"/> or
/// <see cref="Dispose"/>.
/// </summary>
/// <example>
/// <code>
/// using var reader = new RecordBatchReader();
/// foreach (var batch in ...) { reader.Load(batch); foreach (var record in reader) { ... } }
/// </code>
/// </example>
public sealed class RecordBatchReader : IDisposable
{
    private KafkaWriter? _decompressed;
    private ReadOnlyMemory<byte> _records;
    private RecordBatch _batch;
    private bool _loaded;
    private bool _disposed;

    /// <summary>The batch loaded last.</summary>
    public RecordBatch Batch => _loaded ? _batch : throw new InvalidOperationException("No batch is loaded.");

    /// <summary>The plain (decompressed) records section of the loaded batch.</summary>
    public ReadOnlyMemory<byte> RecordsSection => _records;

    /// <summary>
    /// Loads one whole batch (bytes past its declared size are ignored) and decompresses its records.
    /// </summary>
    /// <param name="verifyCrc">Check the CRC; skip only for bytes that were already validated.</param>
    /// <exception cref="InvalidDataException">The batch is truncated, not magic 2, fails its CRC, or does not decompress.</exception>
    public void Load(ReadOnlyMemory<byte> batch, bool verifyCrc = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _loaded = false;
        var span = batch.Span;
        if (span.Length < RecordBatchHeader.Size)
        {
            throw new InvalidDataException($"Record batch of {span.Length} bytes is shorter than the {RecordBatchHeader.Size}-byte header.");
        }

        var magic = RecordBatchHeader.Magic(span);
        if (magic != RecordBatchHeader.CurrentMagic)
        {
            throw new InvalidDataException($"Record batch magic {magic} is not supported (only 2).");
        }

        var size = RecordBatchHeader.BatchLength(span);
        if (size < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || size > span.Length - RecordBatchHeader.LogOverhead)
        {
            throw new InvalidDataException($"Record batch length {size} does not fit the {span.Length} bytes given.");
        }

        batch = batch[..(size + RecordBatchHeader.LogOverhead)];
        span = batch.Span;
        if (verifyCrc && !RecordBatchHeader.IsCrcValid(span))
        {
            throw new InvalidDataException(
                $"Record batch at offset {RecordBatchHeader.BaseOffset(span)} fails its CRC (stored {RecordBatchHeader.Crc(span):x8}, computed {RecordBatchHeader.ComputeCrc(span):x8}).");
        }

        if (RecordBatchHeader.RecordsCount(span) < 0)
        {
            throw new InvalidDataException($"Record batch declares {RecordBatchHeader.RecordsCount(span)} records.");
        }

        var section = batch[RecordBatchHeader.Size..];
        var compression = RecordBatchHeader.Compression(span);
        if (compression == CompressionType.None)
        {
            _records = section;
        }
        else
        {
            var buffer = _decompressed ??= new KafkaWriter(64 * 1024);
            buffer.Reset();
            Compression.Decompress(compression, section.Span, buffer);
            _records = buffer.WrittenMemory;
        }

        _batch = new RecordBatch(batch);
        _loaded = true;
    }

    /// <summary>Enumerates the records of the loaded batch.</summary>
    /// <exception cref="InvalidDataException">Raised by <c>MoveNext</c> on a malformed record.</exception>
    public Enumerator GetEnumerator()
    {
        var batch = Batch;
        var logAppendTime = batch.TimestampType == TimestampType.LogAppendTime;
        return new Enumerator(_records, batch.BaseOffset, batch.BaseTimestamp, logAppendTime ? batch.MaxTimestamp : null, batch.RecordsCount);
    }

    public void Dispose()
    {
        _decompressed?.Dispose();
        _decompressed = null;
        _records = default;
        _loaded = false;
        _disposed = true;
    }

    public struct Enumerator
    {
        private readonly ReadOnlyMemory<byte> _records;
        private readonly long _baseOffset;
        private readonly long _baseTimestamp;
        private readonly long? _logAppendTime;
        private int _remaining;
        private int _position;

        internal Enumerator(ReadOnlyMemory<byte> records, long baseOffset, long baseTimestamp, long? logAppendTime, int count)
        {
            _records = records;
            _baseOffset = baseOffset;
            _baseTimestamp = baseTimestamp;
            _logAppendTime = logAppendTime;
            _remaining = count;
            _position = 0;
            Current = default;
        }

        public Record Current { get; private set; }

        public bool MoveNext()
        {
            if (_remaining == 0)
            {
                if (_position != _records.Length)
                {
                    throw new InvalidDataException($"Record batch holds {_records.Length - _position} bytes after its declared records.");
                }

                return false;
            }

            var start = _position;
            if (!RecordParser.TryParse(_records.Span, ref _position, out var layout))
            {
                throw new InvalidDataException($"Corrupt record at byte {start} of the records section ({_remaining} records still declared).");
            }

            _remaining--;
            Current = new Record(
                _baseOffset + layout.OffsetDelta,
                _logAppendTime ?? _baseTimestamp + layout.TimestampDelta,
                layout.OffsetDelta,
                layout.TimestampDelta,
                _records.Slice(layout.KeyStart, Math.Max(layout.KeyLength, 0)),
                layout.KeyLength < 0,
                _records.Slice(layout.ValueStart, Math.Max(layout.ValueLength, 0)),
                layout.ValueLength < 0,
                new RecordHeaders(_records.Slice(layout.HeadersStart, layout.HeadersLength), layout.HeaderCount));
            return true;
        }
    }
}
