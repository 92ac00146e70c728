using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

public sealed partial class LogCleaner
{
    private CleanerStats? CleanRange(PartitionLog log, CleanRangeInfo range, long nowMs)
    {
        var config = log.Config;
        var map = new OffsetMap(_maxMapEntries);
        var dirtyEnd = BuildOffsetMap(range, map, _throttler);
        var stats = new Counters();
        var nextHorizon = long.MaxValue;
        var groups = Group(range.Segments.Where(s => s.BaseOffset < dirtyEnd).ToList(), config.SegmentBytes);
        foreach (var group in groups)
        {
            var cleaned = log.CreateCleanedSegment(group[0].BaseOffset);
            try
            {
                foreach (var segment in group)
                {
                    stats.BytesBefore += segment.Size;
                    nextHorizon = Math.Min(nextHorizon, CopySegment(segment, cleaned, map, nowMs, config.DeleteRetentionMs, stats));
                    // Read once to map (counted there) and again here to copy.
                    _throttler.MaybeThrottle(segment.Size);
                    // Transactional batches and markers are all kept, so every abort of the replaced
                    // segments still holds and moves to the segment that now holds its marker.
                    foreach (var aborted in segment.TxnIndex.Read())
                    {
                        cleaned.TxnIndex.Append(aborted);
                    }
                }

                stats.BytesAfter += cleaned.Size;
            }
            catch
            {
                cleaned.Delete();
                throw;
            }

            if (!log.ReplaceSegments(group, cleaned))
            {
                return null;
            }

            stats.Segments += group.Count;
        }

        log.WriteCleanerCheckpoint(dirtyEnd);
        RememberHorizon(log, nextHorizon);
        _logger.Cleaned(log.Directory, stats.Segments, stats.BytesBefore, stats.BytesAfter, stats.RecordsRemoved);
        return new CleanerStats(stats.Segments, stats.BytesBefore, stats.BytesAfter, stats.RecordsRead, stats.RecordsRemoved, dirtyEnd);
    }

    /// <summary>Maps keys of the dirty section, whole segments at a time, until the map fills; returns the end of what was mapped.</summary>
    private static long BuildOffsetMap(CleanRangeInfo range, OffsetMap map, Throttler throttler)
    {
        var end = range.FirstDirty;
        using var reader = new RecordBatchReader();
        foreach (var segment in range.Segments)
        {
            var segmentEnd = segment.NextOffset;
            if (segmentEnd <= range.FirstDirty)
            {
                continue;
            }

            if (map.IsFull)
            {
                break;
            }

            using var scanner = new BatchScanner(segment.File, 0, segment.Size);
            while (scanner.Next(wholeBatch: true) == ScanStatus.Batch)
            {
                var batch = scanner.Current;
                if (RecordBatchHeader.LastOffset(batch) < range.FirstDirty || RecordBatchHeader.IsControl(batch) || RecordBatchHeader.IsTransactional(batch))
                {
                    continue;
                }

                reader.Load(scanner.CurrentMemory, verifyCrc: false);
                foreach (var record in reader)
                {
                    if (!record.IsKeyNull && record.Offset >= range.FirstDirty)
                    {
                        map.Put(record.KeySpan, record.Offset);
                    }
                }
            }

            end = segmentEnd;
            throttler.MaybeThrottle(segment.Size);
        }

        return end;
    }

    /// <summary>Consecutive segments whose total fits one segment and whose offsets fit its relative index.</summary>
    private static List<List<LogSegment>> Group(List<LogSegment> segments, int maxBytes)
    {
        var groups = new List<List<LogSegment>>();
        List<LogSegment>? current = null;
        long size = 0;
        foreach (var segment in segments)
        {
            if (current is null || size + segment.Size > maxBytes || segment.NextOffset - 1 - current[0].BaseOffset > int.MaxValue)
            {
                current = [];
                groups.Add(current);
                size = 0;
            }

            current.Add(segment);
            size += segment.Size;
        }

        return groups;
    }

    /// <summary>Copies the batches of <paramref name="source"/> that keep records; returns the earliest delete horizon still pending.</summary>
    private long CopySegment(LogSegment source, LogSegment destination, OffsetMap map, long nowMs, long deleteRetentionMs, Counters stats)
    {
        var horizon = long.MaxValue;
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        using var reader = new RecordBatchReader();
        using var builder = new RecordBatchBuilder();
        using var scanner = new BatchScanner(source.File, 0, source.Size);
        while (scanner.Next(wholeBatch: true) == ScanStatus.Batch)
        {
            var batch = scanner.CurrentMemory;
            var span = batch.Span;
            if (RecordBatchHeader.IsControl(span) || RecordBatchHeader.IsTransactional(span))
            {
                output.Write(span);
            }
            else
            {
                horizon = Math.Min(horizon, FilterBatch(batch, map, nowMs, deleteRetentionMs, reader, builder, output, stats));
            }

            if (output.WrittenCount >= _writeBufferSize)
            {
                destination.Append(output.WrittenSpan);
                output.ResetWrittenCount();
            }
        }

        if (output.WrittenCount > 0)
        {
            destination.Append(output.WrittenSpan);
        }

        return horizon;
    }

    /// <summary>
    /// Keeps the records that are the latest for their key (tombstones until their delete horizon). An
    /// untouched batch is copied byte for byte; otherwise it is re-encoded with its offsets, codec and
    /// producer fields. Returns the batch's pending delete horizon, or long.MaxValue.
    /// </summary>
    private static long FilterBatch(ReadOnlyMemory<byte> batch, OffsetMap map, long nowMs, long deleteRetentionMs, RecordBatchReader reader, RecordBatchBuilder builder, ArrayBufferWriter<byte> output, Counters stats)
    {
        reader.Load(batch, verifyCrc: false);
        var view = reader.Batch;
        var horizon = view.HasDeleteHorizon ? view.BaseTimestamp : long.MaxValue;
        int kept = 0, total = 0, tombstones = 0;
        foreach (var record in reader)
        {
            total++;
            if (Retain(record, map, horizon, nowMs))
            {
                kept++;
                tombstones += record.IsValueNull ? 1 : 0;
            }
        }

        stats.RecordsRead += total;
        stats.RecordsRemoved += total - kept;
        var needsHorizon = tombstones > 0 && !view.HasDeleteHorizon;
        if (kept == total && !needsHorizon)
        {
            output.Write(batch.Span);
            return tombstones > 0 ? horizon : long.MaxValue;
        }

        if (kept == 0)
        {
            if (view.ProducerId >= 0)
            {
                WriteEmptyBatch(batch.Span, output);
            }

            return long.MaxValue;
        }

        builder.Reset();
        builder.Compression = view.Compression;
        builder.BaseOffset = view.BaseOffset;
        builder.PartitionLeaderEpoch = view.PartitionLeaderEpoch;
        builder.ProducerId = view.ProducerId;
        builder.ProducerEpoch = view.ProducerEpoch;
        builder.BaseSequence = view.BaseSequence;
        builder.TimestampType = view.TimestampType;
        builder.IsTransactional = false;
        builder.IsControl = false;
        builder.HasDeleteHorizon = tombstones > 0;
        if (tombstones > 0)
        {
            horizon = view.HasDeleteHorizon ? horizon : nowMs + deleteRetentionMs;
            builder.BaseTimestamp = horizon;
        }

        foreach (var record in reader)
        {
            if (Retain(record, map, view.HasDeleteHorizon ? view.BaseTimestamp : long.MaxValue, nowMs))
            {
                builder.Append(record);
            }
        }

        // Keep the batch's original last offset so the log end and producer state stay where they were.
        builder.LastOffsetDelta = view.LastOffsetDelta;
        builder.Build(output);
        return tombstones > 0 ? horizon : long.MaxValue;
    }

    /// <summary>
    /// Kafka's empty batch: the header alone with no records, keeping offsets, producer id, epoch, base
    /// sequence (so the last sequence, base + last offset delta, stays too) and max timestamp, so
    /// producer state rebuilt from the log after compaction still deduplicates and expires as before.
    /// </summary>
    private static void WriteEmptyBatch(ReadOnlySpan<byte> batch, ArrayBufferWriter<byte> output)
    {
        var header = output.GetSpan(RecordBatchHeader.Size)[..RecordBatchHeader.Size];
        batch[..RecordBatchHeader.Size].CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.BatchLengthOffset..], RecordBatchHeader.Size - RecordBatchHeader.LogOverhead);
        var attributes = RecordBatchHeader.Attributes(header) & ~(RecordBatchHeader.CompressionMask | RecordBatchHeader.DeleteHorizonFlag);
        BinaryPrimitives.WriteInt16BigEndian(header[RecordBatchHeader.AttributesOffset..], (short)attributes);
        BinaryPrimitives.WriteInt64BigEndian(header[RecordBatchHeader.BaseTimestampOffset..], RecordBatchHeader.MaxTimestamp(header));
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.RecordsCountOffset..], 0);
        RecordBatchHeader.UpdateCrc(header);
        output.Advance(RecordBatchHeader.Size);
    }

    private static bool Retain(in Record record, OffsetMap map, long deleteHorizon, long nowMs)
    {
        if (record.IsKeyNull)
        {
            return false;
        }

        var latest = map.Get(record.KeySpan);
        if (latest > record.Offset)
        {
            return false;
        }

        // A tombstone stays until its batch's delete horizon has passed.
        return !record.IsValueNull || deleteHorizon > nowMs;
    }

    private sealed class Counters
    {
        public int Segments { get; set; }

        public long BytesBefore { get; set; }

        public long BytesAfter { get; set; }

        public long RecordsRead { get; set; }

        public long RecordsRemoved { get; set; }
    }
}
