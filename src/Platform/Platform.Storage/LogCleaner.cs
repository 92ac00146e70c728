using Microsoft.Extensions.Logging;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>What one cleaning did.</summary>
public sealed record CleanerStats(int SegmentsCleaned, long BytesBefore, long BytesAfter, long RecordsRead, long RecordsRemoved, long CleanedUpTo);

/// <summary>
/// Log compaction for cleanup.policy=compact: keeps the latest value of each key. It maps every key of
/// the dirty section (from the cleaner checkpoint to the first uncleanable offset) to its latest offset,
/// then copies the log start..dirty end into new segments keeping only records that are the latest for
/// their key, and swaps them in. Offsets are preserved (gaps remain). Tombstones get a delete horizon
/// (now + delete.retention.ms, stored in the batch as KIP-534 does) the first time they are cleaned and
/// are dropped by a cleaning after it. Control and transactional batches are kept as they are. A batch
/// of an idempotent producer keeps its header (offsets, producer id, epoch, sequences) even when all its
/// records go, as an empty batch, so producer state rebuilt from the log stays right.
/// Never touches the active segment, segments younger than min.compaction.lag.ms, or data at or past
/// the high watermark. Runs without the append lock; only the swap takes it.
/// </summary>
public sealed partial class LogCleaner
{
    /// <summary>What one map entry costs in memory (digest, offset, dictionary slot), to size the map from log.cleaner.dedupe.buffer.size.</summary>
    public const int BytesPerMapEntry = 40;

    private readonly ILogger _logger;
    private readonly int _maxMapEntries;
    private readonly int _writeBufferSize;
    private readonly Throttler _throttler;
    private readonly Dictionary<PartitionLog, long> _tombstoneHorizons = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PartitionLog, bool> _inProgress = new();

    /// <param name="logger">Where cleaning results go.</param>
    /// <param name="maxMapEntries">Keys mapped per cleaning (Kafka sizes this from log.cleaner.dedupe.buffer.size).</param>
    /// <param name="ioMaxBytesPerSecond">log.cleaner.io.max.bytes.per.second: bytes read and written per second by all cleanings together.</param>
    /// <param name="writeBufferSize">log.cleaner.io.buffer.size: cleaned batches collected before one write.</param>
    public LogCleaner(ILogger logger, int maxMapEntries = 4_000_000, double ioMaxBytesPerSecond = double.MaxValue, int writeBufferSize = 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMapEntries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(writeBufferSize);
        _logger = logger;
        _maxMapEntries = maxMapEntries;
        _writeBufferSize = writeBufferSize;
        _throttler = new Throttler(ioMaxBytesPerSecond);
    }

    /// <summary>
    /// The share of the cleanable part of the log not yet cleaned, and the segments of the dirty section.
    /// Zero for a log that does not compact.
    /// </summary>
    public static double DirtyRatio(PartitionLog log, long nowMs)
    {
        var range = CleanableRange(log, nowMs);
        return range.TotalBytes == 0 ? 0 : (double)range.DirtyBytes / range.TotalBytes;
    }

    /// <summary>
    /// Cleans <paramref name="log"/> if it is due: its dirty ratio reached min.cleanable.dirty.ratio, a
    /// dirty record passed max.compaction.lag.ms, tombstones passed their delete horizon, or
    /// <paramref name="force"/>. Returns null when nothing was cleaned.
    /// </summary>
    public CleanerStats? Clean(PartitionLog log, bool force = false)
    {
        var config = log.Config;
        if (!config.Compact)
        {
            return null;
        }

        var now = log.NowMilliseconds;
        var range = CleanableRange(log, now);
        var dirtyRatio = range.TotalBytes == 0 ? 0 : (double)range.DirtyBytes / range.TotalBytes;
        var tombstonesDue = TombstonesDue(log, now);
        var lagExceeded = range.FirstDirtyTimestamp >= 0 && now - range.FirstDirtyTimestamp > config.MaxCompactionLagMs;
        if (range.Segments.Count == 0 || !(force || tombstonesDue || lagExceeded || (range.DirtyBytes > 0 && dirtyRatio >= config.MinCleanableDirtyRatio)))
        {
            return null;
        }

        // With several cleaner threads, one log is cleaned by one of them at a time.
        if (!_inProgress.TryAdd(log, true))
        {
            return null;
        }

        try
        {
            return CleanRange(log, range, now);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException)
        {
            _logger.CleaningFailed(log.Directory, e);
            return null;
        }
        finally
        {
            _inProgress.TryRemove(log, out _);
        }
    }

    /// <summary>Cleans every compacted log that is due; returns how many were cleaned.</summary>
    public int CleanAll(IEnumerable<PartitionLog> logs)
    {
        var cleaned = 0;
        foreach (var log in logs)
        {
            if (Clean(log) is not null)
            {
                cleaned++;
            }
        }

        return cleaned;
    }

    private bool TombstonesDue(PartitionLog log, long nowMs)
    {
        lock (_tombstoneHorizons)
        {
            return _tombstoneHorizons.TryGetValue(log, out var horizon) && nowMs >= horizon;
        }
    }

    private void RememberHorizon(PartitionLog log, long horizon)
    {
        lock (_tombstoneHorizons)
        {
            if (horizon == long.MaxValue)
            {
                _tombstoneHorizons.Remove(log);
            }
            else
            {
                _tombstoneHorizons[log] = horizon;
            }
        }
    }

    /// <summary>The segments a cleaning may rewrite (log start to first uncleanable offset) and how dirty they are.</summary>
    private static CleanRangeInfo CleanableRange(PartitionLog log, long nowMs)
    {
        var config = log.Config;
        var segments = log.Segments;
        var highWatermark = log.HighWatermark;
        var firstDirty = Math.Max(log.CleanerCheckpoint, log.LogStartOffset);
        var cleanable = new List<LogSegment>();
        long total = 0, dirty = 0, firstDirtyTimestamp = -1;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var segment = segments[i];
            var tooYoung = config.MinCompactionLagMs > 0 && segment.MaxTimestamp > nowMs - config.MinCompactionLagMs;
            if (tooYoung || segments[i + 1].BaseOffset > highWatermark)
            {
                break;
            }

            cleanable.Add(segment);
            total += segment.Size;
            if (segment.BaseOffset >= firstDirty)
            {
                dirty += segment.Size;
                if (firstDirtyTimestamp < 0)
                {
                    firstDirtyTimestamp = segment.FirstBatchTimestamp();
                }
            }
        }

        return new CleanRangeInfo(cleanable, firstDirty, total, dirty, firstDirtyTimestamp);
    }

    private sealed record CleanRangeInfo(List<LogSegment> Segments, long FirstDirty, long TotalBytes, long DirtyBytes, long FirstDirtyTimestamp);
}
