using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

internal sealed partial class LogSegment
{
    private const int HeaderScanBufferSize = 8 * 1024;

    /// <summary>Where a batch sits in the file.</summary>
    internal readonly record struct BatchPosition(int Position, int Size, long BaseOffset, long LastOffset, long MaxTimestamp);

    /// <summary>
    /// The first batch whose last offset is at least <paramref name="offset"/>, found through the offset
    /// index then a header scan; null if the segment has none (below <paramref name="limit"/> bytes).
    /// </summary>
    public BatchPosition? Translate(long offset, int limit)
    {
        var start = Math.Max(0, Math.Min(OffsetIndex.Lookup(offset), limit));
        using var scanner = new BatchScanner(File, start, limit, HeaderScanBufferSize);
        while (scanner.Next(wholeBatch: false) == ScanStatus.Batch)
        {
            var header = scanner.Current;
            var last = RecordBatchHeader.LastOffset(header);
            if (last >= offset)
            {
                return new BatchPosition((int)scanner.Position, scanner.Size, RecordBatchHeader.BaseOffset(header), last, RecordBatchHeader.MaxTimestamp(header));
            }
        }

        return null;
    }

    /// <summary>
    /// Kafka's segment read: from the batch holding <paramref name="startOffset"/>, up to
    /// <paramref name="maxBytes"/> (the last batch may be cut), never past the batch holding
    /// <paramref name="maxOffsetExclusive"/>. With <paramref name="minOneBatch"/> the first batch is whole
    /// even if larger than maxBytes. Null if no batch here reaches startOffset.
    /// </summary>
    public FileRecords? Read(long startOffset, int maxBytes, long maxOffsetExclusive, bool minOneBatch)
    {
        var size = Size;
        if (Translate(startOffset, size) is not { } first)
        {
            return null;
        }

        if (first.BaseOffset >= maxOffsetExclusive)
        {
            return new FileRecords(File, first.Position, 0, first.BaseOffset);
        }

        // Stop before the batch holding maxOffsetExclusive (Kafka's high-watermark bound).
        var maxPosition = size;
        if (maxOffsetExclusive < NextOffset && Translate(maxOffsetExclusive, size) is { } limitBatch)
        {
            maxPosition = limitBatch.Position;
        }

        var budget = minOneBatch ? Math.Max(maxBytes, first.Size) : maxBytes;
        var length = (int)Math.Min(maxPosition - first.Position, budget);
        return new FileRecords(File, first.Position, Math.Max(0, length), first.BaseOffset);
    }

    /// <summary>First batch with a max timestamp at or after <paramref name="timestamp"/>, starting at the time index's hint.</summary>
    public BatchPosition? FindBatchByTimestamp(long timestamp, long startingOffset)
    {
        var hint = Math.Max(TimeIndex.Lookup(timestamp), startingOffset);
        var size = Size;
        var start = Math.Min(OffsetIndex.Lookup(hint), size);
        using var scanner = new BatchScanner(File, start, size, HeaderScanBufferSize);
        while (scanner.Next(wholeBatch: false) == ScanStatus.Batch)
        {
            var header = scanner.Current;
            if (RecordBatchHeader.MaxTimestamp(header) >= timestamp && RecordBatchHeader.LastOffset(header) >= startingOffset)
            {
                return new BatchPosition((int)scanner.Position, scanner.Size, RecordBatchHeader.BaseOffset(header), RecordBatchHeader.LastOffset(header), RecordBatchHeader.MaxTimestamp(header));
            }
        }

        return null;
    }

    /// <summary>
    /// Rescans the whole segment: checks each batch (framing, magic, CRC, offsets increasing), rebuilds
    /// both indexes and cuts the file at the first bad byte, and the transaction index at the same
    /// offset (markers it names past the cut are gone). Returns the bytes cut.
    /// </summary>
    public long Recover()
    {
        OffsetIndex.Reset();
        TimeIndex.Reset();
        _maxTimestamp = _offsetOfMaxTimestamp = _rollingBasedTimestamp = -1;
        _bytesSinceLastIndexEntry = 0;
        var fileLength = File.Length;
        var validBytes = 0L;
        var expectedOffset = BaseOffset;
        using (var scanner = new BatchScanner(File, 0, fileLength))
        {
            ScanStatus status;
            while ((status = scanner.Next(wholeBatch: true)) == ScanStatus.Batch)
            {
                var batch = scanner.Current;
                var baseOffset = RecordBatchHeader.BaseOffset(batch);
                var last = RecordBatchHeader.LastOffset(batch);
                if (baseOffset < expectedOffset || last - BaseOffset > int.MaxValue || !RecordBatchHeader.IsCrcValid(batch))
                {
                    break;
                }

                OnBatch((int)scanner.Position, scanner.Size, last, RecordBatchHeader.MaxTimestamp(batch));
                expectedOffset = last + 1;
                validBytes = scanner.NextPosition;
            }
        }

        var truncated = fileLength - validBytes;
        if (truncated > 0)
        {
            File.Truncate(validBytes);
        }

        _size = (int)validBytes;
        _nextOffset = expectedOffset;
        TxnIndex.TruncateTo(expectedOffset);
        return truncated;
    }

    /// <summary>
    /// Cuts the segment before the batch holding <paramref name="offset"/> (a follower truncating to its
    /// leader's history) and rescans what is left, rebuilding the indexes and cutting the transaction
    /// index. Returns the offset after the last batch kept.
    /// </summary>
    public long TruncateTo(long offset)
    {
        if (Translate(offset, Size) is { } batch)
        {
            File.Truncate(batch.Position);
            _size = batch.Position;
            Recover();
            // Durable before anything newer is appended: a cut that a power loss undid would bring back the divergent tail.
            Flush();
        }

        return NextOffset;
    }

    /// <summary>
    /// Opens the active segment without a rescan if that is safe: its batches, read header by header from
    /// the last offset index entry, end exactly at the end of the file and at <paramref name="recoveryPoint"/>
    /// (so every byte was fsynced and nothing torn follows). Restores what appends need (roll time, max
    /// timestamp, index spacing). False when the segment must be recovered instead.
    /// </summary>
    public bool TryLoadActiveState(long recoveryPoint)
    {
        var size = Size;
        var start = Math.Min(OffsetIndex.Lookup(long.MaxValue), size);
        var next = BaseOffset;
        long maxTimestamp = -1, offsetOfMaxTimestamp = -1;
        if (TimeIndex.LastEntry is { } lastTime)
        {
            (maxTimestamp, offsetOfMaxTimestamp) = (lastTime.Key, BaseOffset + lastTime.Value);
        }

        using (var scanner = new BatchScanner(File, start, size, HeaderScanBufferSize))
        {
            ScanStatus status;
            while ((status = scanner.Next(wholeBatch: false)) == ScanStatus.Batch)
            {
                var header = scanner.Current;
                if (RecordBatchHeader.BaseOffset(header) < next)
                {
                    return false;
                }

                next = RecordBatchHeader.LastOffset(header) + 1;
                if (RecordBatchHeader.MaxTimestamp(header) > maxTimestamp)
                {
                    (maxTimestamp, offsetOfMaxTimestamp) = (RecordBatchHeader.MaxTimestamp(header), next - 1);
                }
            }

            if (status != ScanStatus.End || next != recoveryPoint)
            {
                return false;
            }
        }

        _nextOffset = next;
        _maxTimestamp = maxTimestamp;
        _offsetOfMaxTimestamp = offsetOfMaxTimestamp;
        _rollingBasedTimestamp = FirstBatchTimestamp();
        _bytesSinceLastIndexEntry = size - start;
        return true;
    }

    /// <summary>The max timestamp of the first batch (max.compaction.lag.ms counts from it), -1 if empty.</summary>
    public long FirstBatchTimestamp()
    {
        using var scanner = new BatchScanner(File, 0, Size, HeaderScanBufferSize);
        return scanner.Next(wholeBatch: false) == ScanStatus.Batch ? RecordBatchHeader.MaxTimestamp(scanner.Current) : -1;
    }

    private long ReadNextOffset()
    {
        var size = Size;
        var next = BaseOffset;
        using var scanner = new BatchScanner(File, Math.Min(OffsetIndex.Lookup(long.MaxValue), size), size, HeaderScanBufferSize);
        while (scanner.Next(wholeBatch: false) == ScanStatus.Batch)
        {
            next = RecordBatchHeader.LastOffset(scanner.Current) + 1;
        }

        return next;
    }
}
