using System.Buffers;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>ListOffsets by timestamp: the segment and batch from the indexes, then the record within that batch.</summary>
internal static class TimestampSearch
{
    /// <summary>The first offset at or above <paramref name="logStartOffset"/> with a timestamp at or after <paramref name="timestamp"/>, via the time indexes; null if none.</summary>
    public static (long Offset, long Timestamp)? FindOffsetByTimestamp(LogSegment[] segments, long timestamp, long logStartOffset)
    {
        foreach (var segment in segments)
        {
            if (segment.NextOffset <= logStartOffset || segment.MaxTimestamp < timestamp)
            {
                continue;
            }

            if (segment.FindBatchByTimestamp(timestamp, logStartOffset) is { } batch)
            {
                return FindRecordByTimestamp(segment, batch, timestamp, logStartOffset);
            }
        }

        return null;
    }

    /// <summary>The offset and timestamp of the record with the largest timestamp; null for an empty log.</summary>
    public static (long Offset, long Timestamp)? FindMaxTimestamp(LogSegment[] segments)
    {
        LogSegment? best = null;
        foreach (var segment in segments)
        {
            if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.MaxTimestamp))
            {
                best = segment;
            }
        }

        if (best is null)
        {
            return null;
        }

        var timestamp = best.MaxTimestamp;
        var offset = best.OffsetOfMaxTimestamp;
        if (best.Translate(offset, best.Size) is { } batch)
        {
            offset = FindRecordWithTimestamp(best, batch, timestamp);
        }

        return (offset, timestamp);
    }

    /// <summary>Refines a batch found by timestamp to its first record at or after <paramref name="timestamp"/> (decoding that one batch).</summary>
    public static (long Offset, long Timestamp) FindRecordByTimestamp(LogSegment segment, LogSegment.BatchPosition batch, long timestamp, long logStartOffset)
    {
        var found = (Offset: Math.Max(batch.BaseOffset, logStartOffset), Timestamp: batch.MaxTimestamp);
        VisitRecords(segment, batch, record =>
        {
            if (record.Timestamp >= timestamp && record.Offset >= logStartOffset)
            {
                found = (record.Offset, record.Timestamp);
                return false;
            }

            return true;
        });
        return found;
    }

    /// <summary>The first record of <paramref name="batch"/> carrying <paramref name="timestamp"/> (KIP-734: offset of the max timestamp).</summary>
    public static long FindRecordWithTimestamp(LogSegment segment, LogSegment.BatchPosition batch, long timestamp)
    {
        var offset = batch.LastOffset;
        VisitRecords(segment, batch, record =>
        {
            if (record.Timestamp == timestamp)
            {
                offset = record.Offset;
                return false;
            }

            return true;
        });
        return offset;
    }

    /// <summary>Decodes one batch from the file and feeds its records to <paramref name="visit"/> until it returns false.</summary>
    private static void VisitRecords(LogSegment segment, LogSegment.BatchPosition batch, Func<Record, bool> visit)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(batch.Size);
        try
        {
            var memory = buffer.AsMemory(0, batch.Size);
            if (segment.File.Read(batch.Position, memory.Span) != batch.Size)
            {
                return;
            }

            using var reader = new RecordBatchReader();
            reader.Load(memory, verifyCrc: false);
            foreach (var record in reader)
            {
                if (!visit(record))
                {
                    return;
                }
            }
        }
        catch (InvalidDataException)
        {
            // Undecodable batch: keep the batch-level answer.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
