using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Platform.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Kafka's log loading: drop leftovers of interrupted deletes and cleanings, finish interrupted swaps,
    /// then open the segments; those from the recovery point on are rescanned batch by batch, and
    /// everything after a corrupt batch is dropped.
    /// </summary>
    private void Load()
    {
        var stopwatch = Stopwatch.StartNew();
        var config = _config;
        var now = NowMs;
        var files = _fs.ListFiles(Directory);
        RemoveLeftovers(files);
        CompleteSwaps(files, config, now);

        var recoveryPoint = OffsetCheckpointFile.Read(_fs, Path.Combine(Directory, LogFileNames.RecoveryPointCheckpoint)) ?? 0;
        var logStartOffset = OffsetCheckpointFile.Read(_fs, Path.Combine(Directory, LogFileNames.LogStartOffsetCheckpoint)) ?? 0;
        var (segments, recovered) = OpenSegments(SegmentBaseOffsets(), recoveryPoint, logStartOffset, config, now);
        _segments = segments;
        var logEndOffset = segments[^1].NextOffset;
        _logEndOffset = logEndOffset;
        _highWatermark = logEndOffset;
        logStartOffset = Math.Max(logStartOffset, segments[0].BaseOffset);
        if (logStartOffset > logEndOffset)
        {
            _logger.LogStartPastEnd(logStartOffset, Directory, logEndOffset);
            logStartOffset = logEndOffset;
        }

        _logStartOffset = logStartOffset;
        _recoveryPoint = Math.Min(recoveryPoint, logEndOffset);
        // Unrecovered means the log ends at its recovery point; a recovered one is flushed whole just below.
        _durableOffset = _recoveryPoint;
        LoadProducerState(segments, logEndOffset);
        _epochs.Load(segments, logEndOffset);
        if (recovered)
        {
            // Make the recovered state (cut tails, rebuilt indexes) durable before trusting it as a recovery point.
            Flush();
        }

        CheckpointRecoveryPoint();
        _logger.LogLoaded(Directory, segments.Length, logStartOffset, logEndOffset, stopwatch.ElapsedMilliseconds);
    }

    /// <summary>
    /// The base offsets of the directory's segments, sorted. A <c>.txnindex</c> without its log (a crash
    /// between renaming a retired segment's log and its index) is deleted, so a segment created later at
    /// that base offset does not inherit its entries.
    /// </summary>
    private List<long> SegmentBaseOffsets()
    {
        var baseOffsets = new List<long>();
        var txnIndexes = new List<(long BaseOffset, string Path)>();
        foreach (var file in _fs.ListFiles(Directory))
        {
            if (LogFileNames.TryParse(file, out var baseOffset, out var extension, out var suffix) && suffix.Length == 0)
            {
                if (extension == LogFileNames.LogExtension)
                {
                    baseOffsets.Add(baseOffset);
                }
                else if (extension == LogFileNames.TxnIndexExtension)
                {
                    txnIndexes.Add((baseOffset, file));
                }
            }
        }

        baseOffsets.Sort();
        foreach (var (baseOffset, path) in txnIndexes)
        {
            if (baseOffsets.BinarySearch(baseOffset) < 0)
            {
                _fs.DeleteFile(path);
            }
        }

        return baseOffsets;
    }

    /// <summary>
    /// Opens the segments; those from the recovery point on (and any without index files) are rescanned,
    /// and a corrupt batch cuts the log there, dropping every later segment. An empty directory gets its
    /// first segment at the log start offset. Recovered is true if anything was rescanned.
    /// </summary>
    private (LogSegment[] Segments, bool Recovered) OpenSegments(List<long> baseOffsets, long recoveryPoint, long logStartOffset, LogConfig config, long now)
    {
        var segments = new List<LogSegment>(baseOffsets.Count);
        var recovered = false;
        try
        {
            for (var i = 0; i < baseOffsets.Count; i++)
            {
                var segment = LogSegment.Open(_fs, Directory, baseOffsets[i], config, now);
                segments.Add(segment);
                var isActive = i == baseOffsets.Count - 1;
                var unflushed = isActive || baseOffsets[i + 1] > recoveryPoint;
                if (!unflushed && IndexFilesExist(segment))
                {
                    // Fsynced before the recovery point moved past it: trusted without reading (Kafka's lazy
                    // indexes, KAFKA-7283); the indexes load, and check themselves, on first use.
                    continue;
                }

                // The active segment is trusted as it is only when it ends, whole, exactly at the recovery
                // point (a clean shutdown, or a crash after everything was flushed and checkpointed).
                if (isActive && IndexesUsable(segment) && segment.TryLoadActiveState(recoveryPoint))
                {
                    continue;
                }

                if (unflushed)
                {
                    _logger.RecoveringSegment(segment.LogPath, recoveryPoint);
                }
                else
                {
                    _logger.RebuildingIndexes(segment.LogPath);
                }

                recovered = true;
                var truncated = segment.Recover();
                if (truncated > 0)
                {
                    _logger.SegmentTruncated(segment.LogPath, truncated);
                    DropSegmentsAfter(baseOffsets, i + 1, config, now);
                    break;
                }
            }

            if (segments.Count == 0)
            {
                segments.Add(LogSegment.Create(_fs, Directory, logStartOffset, config, now));
                _directoryChanged = true;
            }
        }
        catch
        {
            foreach (var segment in segments)
            {
                segment.Dispose();
            }

            throw;
        }

        return ([.. segments], recovered);
    }

    private bool IndexFilesExist(LogSegment segment)
        => _fs.FileExists(segment.OffsetIndex.Path) && _fs.FileExists(segment.TimeIndex.Path);

    private bool IndexesUsable(LogSegment segment)
        => _fs.FileExists(segment.OffsetIndex.Path)
            && _fs.FileExists(segment.TimeIndex.Path)
            && segment.OffsetIndex.LoadAndCheck(segment.Size)
            && segment.TimeIndex.LoadAndCheck(segment.Size)
            && (segment.Size == 0 || segment.TimeIndex.Count > 0);

    private void RemoveLeftovers(IReadOnlyList<string> files)
    {
        foreach (var file in files)
        {
            var isTemp = file.EndsWith(".tmp", StringComparison.Ordinal);
            if (isTemp || (LogFileNames.TryParse(file, out _, out _, out var suffix)
                && suffix is LogFileNames.DeletedSuffix or LogFileNames.CleanedSuffix))
            {
                _fs.DeleteFile(file);
            }
        }
    }

    /// <summary>
    /// A <c>.swap</c> log is a cleaned segment whose swap was interrupted after it was complete: the
    /// segments it replaces (base offsets within its range) go, and it takes their place.
    /// </summary>
    private void CompleteSwaps(IReadOnlyList<string> files, LogConfig config, long now)
    {
        foreach (var file in files)
        {
            if (!LogFileNames.TryParse(file, out var baseOffset, out var extension, out var suffix) || suffix != LogFileNames.SwapSuffix)
            {
                continue;
            }

            if (extension == LogFileNames.TxnIndexExtension)
            {
                // Renamed with its log below (it cannot be rebuilt from the log); leftovers are settled after.
                continue;
            }

            if (extension != LogFileNames.LogExtension)
            {
                _fs.DeleteFile(file);
                continue;
            }

            _logger.CompletingSwap(file);
            using var swap = LogSegment.Open(_fs, Directory, baseOffset, config, now, LogFileNames.SwapSuffix);
            swap.Recover();
            var end = Math.Max(swap.NextOffset, baseOffset + 1);
            foreach (var other in _fs.ListFiles(Directory))
            {
                if (LogFileNames.TryParse(other, out var otherBase, out _, out var otherSuffix)
                    && otherSuffix.Length == 0 && otherBase >= baseOffset && otherBase < end)
                {
                    _fs.DeleteFile(other);
                }
            }

            swap.ChangeSuffix("");
        }

        SettleSwappedTxnIndexes(files);
    }

    /// <summary>
    /// A <c>.txnindex.swap</c> left without its <c>.log.swap</c>: either the swap's final renames were cut
    /// after the log's (the cleaned log is already in place, so the index follows it), or the rename into
    /// <c>.swap</c> was cut before the log's (a <c>.log.cleaned</c> was still there: the old segments
    /// stand and the index goes with the discarded cleaning).
    /// </summary>
    private void SettleSwappedTxnIndexes(IReadOnlyList<string> filesAtStart)
    {
        var cleaning = new HashSet<long>();
        var any = false;
        foreach (var file in filesAtStart)
        {
            if (LogFileNames.TryParse(file, out var baseOffset, out var extension, out var suffix))
            {
                if (extension == LogFileNames.LogExtension && suffix == LogFileNames.CleanedSuffix)
                {
                    cleaning.Add(baseOffset);
                }

                any |= extension == LogFileNames.TxnIndexExtension && suffix == LogFileNames.SwapSuffix;
            }
        }

        if (!any)
        {
            return;
        }

        foreach (var file in _fs.ListFiles(Directory))
        {
            if (LogFileNames.TryParse(file, out var baseOffset, out var extension, out var suffix)
                && extension == LogFileNames.TxnIndexExtension && suffix == LogFileNames.SwapSuffix)
            {
                if (!cleaning.Contains(baseOffset) && _fs.FileExists(LogFileNames.Path(Directory, baseOffset, LogFileNames.LogExtension)))
                {
                    _fs.RenameFile(file, LogFileNames.Path(Directory, baseOffset, LogFileNames.TxnIndexExtension));
                }
                else
                {
                    _fs.DeleteFile(file);
                }
            }
        }
    }

    private void DropSegmentsAfter(List<long> baseOffsets, int from, LogConfig config, long now)
    {
        for (var j = from; j < baseOffsets.Count; j++)
        {
            var dropped = LogSegment.Open(_fs, Directory, baseOffsets[j], config, now);
            _logger.SegmentDroppedAfterCorruption(dropped.LogPath);
            dropped.Delete();
        }
    }
}
