namespace Platform.Protocol.RecordFormat;

/// <summary>
/// Checks the records of a produce request before the broker appends them. Answers with the error code
/// Kafka would return, never throws on bad bytes, and does not decompress: compressed batches are
/// checked at the header level (their CRC covers the compressed bytes); uncompressed ones also record
/// by record. On an error, the counts cover the batches before the bad one.
/// </summary>
public static class RecordBatchValidator
{
    private const int MinBatchLength = RecordBatchHeader.Size - RecordBatchHeader.LogOverhead;

    /// <summary>Magic byte and everything before it: what is needed to tell the format apart.</summary>
    private const int MagicPrefix = RecordBatchHeader.MagicOffset + 1;

    /// <param name="records">The whole <c>records</c> field of one partition in a produce request.</param>
    /// <param name="maxBatchBytes">The topic's <c>max.message.bytes</c>: the largest batch accepted.</param>
    /// <returns>
    /// <see cref="ErrorCode.None"/>; <see cref="ErrorCode.InvalidRecord"/> for an empty payload;
    /// <see cref="ErrorCode.CorruptMessage"/> for bad framing, CRC, magic, counts or records;
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

        if (compression != CompressionType.None)
        {
            return ErrorCode.None;
        }

        return RecordsMatch(batch[RecordBatchHeader.Size..], count) ? ErrorCode.None : ErrorCode.CorruptMessage;
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
}
