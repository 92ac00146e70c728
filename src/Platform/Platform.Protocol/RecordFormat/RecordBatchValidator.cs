using System.Buffers;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// Checks the records of a produce request before the broker appends them. Answers with the error code
/// Kafka would return and never throws on bad bytes. Every batch is checked record by record, as
/// Kafka's LogValidator does: a compressed one is decompressed first (its CRC covers only the
/// compressed bytes, so a producer bug or a hostile payload would otherwise be stored and fail every
/// consumer that reads it). On an error, the counts cover the batches before the bad one.
/// </summary>
public static class RecordBatchValidator
{
    /// <summary>
    /// The decompressed records of one batch may be at most this many times the topic's
    /// max.message.bytes (within 16 MiB..1 GiB): far above what real producers compress, and a bound on
    /// what a decompression bomb can make the broker allocate.
    /// </summary>
    private const int MaxCompressionRatio = 64;

    private const int MinBatchLength = RecordBatchHeader.Size - RecordBatchHeader.LogOverhead;

    /// <summary>Magic byte and everything before it: what is needed to tell the format apart.</summary>
    private const int MagicPrefix = RecordBatchHeader.MagicOffset + 1;

    /// <param name="records">The whole <c>records</c> field of one partition in a produce request.</param>
    /// <param name="maxBatchBytes">The topic's <c>max.message.bytes</c>: the largest batch accepted.</param>
    /// <returns>
    /// <see cref="ErrorCode.None"/>; <see cref="ErrorCode.InvalidRecord"/> for an empty payload;
    /// <see cref="ErrorCode.CorruptMessage"/> for bad framing, CRC, magic, counts or records, or a
    /// compressed payload that does not decompress (or decompresses past the bound above);
    /// <see cref="ErrorCode.UnsupportedForMessageFormat"/> for magic 0 or 1;
    /// <see cref="ErrorCode.UnsupportedCompressionType"/> for codec ids above 4;
    /// <see cref="ErrorCode.MessageTooLarge"/> for a batch larger than <paramref name="maxBatchBytes"/>.
    /// </returns>
    public static ErrorCode Validate(ReadOnlySpan<byte> records, int maxBatchBytes, out int batchCount, out int recordCount)
    {
        batchCount = 0;
        recordCount = 0;
        if (records.IsEmpty)
        {
            return ErrorCode.InvalidRecord;
        }

        var position = 0;
        while (position < records.Length)
        {
            var rest = records[position..];
            if (rest.Length < MagicPrefix)
            {
                return ErrorCode.CorruptMessage;
            }

            var length = RecordBatchHeader.BatchLength(rest);
            if (length < 0 || length > rest.Length - RecordBatchHeader.LogOverhead)
            {
                return ErrorCode.CorruptMessage;
            }

            var magic = RecordBatchHeader.Magic(rest);
            if (magic is 0 or 1)
            {
                return ErrorCode.UnsupportedForMessageFormat;
            }

            if (magic != RecordBatchHeader.CurrentMagic || length < MinBatchLength)
            {
                return ErrorCode.CorruptMessage;
            }

            var batch = rest[..(length + RecordBatchHeader.LogOverhead)];
            var error = ValidateBatch(batch, maxBatchBytes, out var count);
            if (error != ErrorCode.None)
            {
                return error;
            }

            // Compressed batches' counts are only declared; refuse totals no real request reaches.
            if (count > int.MaxValue - recordCount)
            {
                return ErrorCode.CorruptMessage;
            }

            batchCount++;
            recordCount += count;
            position += batch.Length;
        }

        return ErrorCode.None;
    }

    private static ErrorCode ValidateBatch(ReadOnlySpan<byte> batch, int maxBatchBytes, out int count)
    {
        count = RecordBatchHeader.RecordsCount(batch);

        // Kafka checks the size before the CRC, so an oversized batch reports MESSAGE_TOO_LARGE.
        if (batch.Length > maxBatchBytes)
        {
            return ErrorCode.MessageTooLarge;
        }

        if (!RecordBatchHeader.IsCrcValid(batch))
        {
            return ErrorCode.CorruptMessage;
        }

        var lastOffsetDelta = RecordBatchHeader.LastOffsetDelta(batch);
        if (lastOffsetDelta < 0 || count < 0)
        {
            return ErrorCode.CorruptMessage;
        }

        var compression = RecordBatchHeader.Compression(batch);
        if ((int)compression > (int)CompressionType.Zstd)
        {
            return ErrorCode.UnsupportedCompressionType;
        }

        // Producers number records 0..n-1, compressed or not (Kafka checks this for every v2 batch).
        if (count != lastOffsetDelta + 1)
        {
            return ErrorCode.CorruptMessage;
        }

        var section = batch[RecordBatchHeader.Size..];
        if (compression != CompressionType.None)
        {
            return DecompressedRecordsMatch(compression, section, count, maxBatchBytes) ? ErrorCode.None : ErrorCode.CorruptMessage;
        }

        return RecordsMatch(section, count) ? ErrorCode.None : ErrorCode.CorruptMessage;
    }

    private static bool DecompressedRecordsMatch(CompressionType compression, ReadOnlySpan<byte> payload, int count, int maxBatchBytes)
    {
        using var plain = new BoundedWriter((int)Math.Clamp((long)maxBatchBytes * MaxCompressionRatio, 16 << 20, 1 << 30));
        try
        {
            Compression.Decompress(compression, payload, plain);
        }
        catch (InvalidDataException)
        {
            return false;
        }

        return RecordsMatch(plain.WrittenSpan, count);
    }

    /// <summary>Whether the section holds exactly <paramref name="count"/> well-formed records with deltas 0..count-1.</summary>
    private static bool RecordsMatch(ReadOnlySpan<byte> section, int count)
    {
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            if (!RecordParser.TryParse(section, ref position, out var layout) || layout.OffsetDelta != i)
            {
                return false;
            }
        }

        return position == section.Length;
    }

    /// <summary>A pooled buffer that refuses to grow past <c>limit</c> bytes (as corrupt data, so the caller's catch covers it).</summary>
    private sealed class BoundedWriter(int limit) : IBufferWriter<byte>, IDisposable
    {
        private readonly KafkaWriter _buffer = new(4096);

        public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

        public void Advance(int count)
        {
            Check(count);
            _buffer.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Check(sizeHint);
            return _buffer.GetMemory(sizeHint);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Check(sizeHint);
            return _buffer.GetSpan(sizeHint);
        }

        public void Dispose() => _buffer.Dispose();

        private void Check(int more)
        {
            if ((long)_buffer.Length + more > limit)
            {
                throw new InvalidDataException($"The records decompress to more than {limit} bytes.");
            }
        }
    }
}
