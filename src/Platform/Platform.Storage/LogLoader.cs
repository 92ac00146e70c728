using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// Kafka's log loading for one partition directory: drops leftovers of interrupted deletes and cleanings,
/// finishes interrupted swaps, then opens the segments; those from the recovery point on are rescanned batch
/// by batch, and everything after a corrupt batch is dropped. The log's producer state, transactions and
/// leader epochs are rebuilt from the result by their owners.
/// </summary>
internal sealed class LogLoader(IStorageFileSystem fs, string directory, LogConfig config, ILogger logger, long now)
{
    private bool _recovered;
    private bool _createdSegment;

    /// <summary>
    /// Opens the directory's segments (an empty directory gets its first one at the checkpointed log start).
    /// The log start and recovery point come from their checkpoints, clamped into the log.
    /// </summary>
    public LoadedLog Load()
    {
        var files = fs.ListFiles(directory);
        RemoveLeftovers(files);
        CompleteSwaps(files);

        var checkpointedRecoveryPoint = OffsetCheckpointFile.Read(fs, Path.Combine(directory, LogFileNames.RecoveryPointCheckpoint)) ?? 0;
        var recoveryPoint = checkpointedRecoveryPoint;
        var logStartOffset = OffsetCheckpointFile.Read(fs, Path.Combine(directory, LogFileNames.LogStartOffsetCheckpoint)) ?? 0;
        var segments = OpenSegments(SegmentBaseOffsets(), recoveryPoint, logStartOffset);
        var logEndOffset = segments[^1].NextOffset;
        logStartOffset = Math.Max(logStartOffset, segments[0].BaseOffset);
        if (logStartOffset > logEndOffset)
        {
            logger.LogStartPastEnd(logStartOffset, directory, logEndOffset);
            logStartOffset = logEndOffset;
        }

        return new LoadedLog(segments, logStartOffset, Math.Min(recoveryPoint, logEndOffset), checkpointedRecoveryPoint, _recovered, _createdSegment);
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
        foreach (var file in fs.ListFiles(directory))
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
                fs.DeleteFile(path);
            }
        }

        return baseOffsets;
    }

    /// <summary>
    /// Opens the segments; those from the recovery point on (and any without index files) are rescanned,
    /// and a corrupt batch cuts the log there, dropping every later segment. An empty directory gets its
    /// first segment at the log start offset. Recovered is true if anything was rescanned.
    /// </summary>
    private LogSegment[] OpenSegments(List<long> baseOffsets, long recoveryPoint, long logStartOffset)
    {
        var segments = new List<LogSegment>(baseOffsets.Count);
        try
        {
            for (var i = 0; i < baseOffsets.Count; i++)
            {
                var segment = LogSegment.Open(fs, directory, baseOffsets[i], config, now);
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
                    logger.RecoveringSegment(segment.LogPath, recoveryPoint);
                }
                else
                {
                    logger.RebuildingIndexes(segment.LogPath);
                }

                _recovered = true;
                var truncated = segment.Recover();
                if (truncated > 0)
                {
                    logger.SegmentTruncated(segment.LogPath, truncated);
                    DropSegmentsAfter(baseOffsets, i + 1);
                    break;
                }
            }

            if (segments.Count == 0)
            {
                segments.Add(LogSegment.Create(fs, directory, logStartOffset, config, now));
                _createdSegment = true;
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

        return [.. segments];
    }

    private bool IndexFilesExist(LogSegment segment)
        => fs.FileExists(segment.OffsetIndex.Path) && fs.FileExists(segment.TimeIndex.Path);

    private bool IndexesUsable(LogSegment segment)
        => fs.FileExists(segment.OffsetIndex.Path)
            && fs.FileExists(segment.TimeIndex.Path)
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
                fs.DeleteFile(file);
            }
        }
    }

    /// <summary>
    /// A <c>.swap</c> log is a cleaned segment whose swap was interrupted after it was complete: the
    /// segments it replaces (base offsets within its range) go, and it takes their place.
    /// </summary>
    private void CompleteSwaps(IReadOnlyList<string> files)
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
                fs.DeleteFile(file);
                continue;
            }

            logger.CompletingSwap(file);
            using var swap = LogSegment.Open(fs, directory, baseOffset, config, now, LogFileNames.SwapSuffix);
            swap.Recover();
            var end = Math.Max(swap.NextOffset, baseOffset + 1);
            foreach (var other in fs.ListFiles(directory))
            {
                if (LogFileNames.TryParse(other, out var otherBase, out _, out var otherSuffix)
                    && otherSuffix.Length == 0 && otherBase >= baseOffset && otherBase < end)
                {
                    fs.DeleteFile(other);
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

        foreach (var file in fs.ListFiles(directory))
        {
            if (LogFileNames.TryParse(file, out var baseOffset, out var extension, out var suffix)
                && extension == LogFileNames.TxnIndexExtension && suffix == LogFileNames.SwapSuffix)
            {
                if (!cleaning.Contains(baseOffset) && fs.FileExists(LogFileNames.Path(directory, baseOffset, LogFileNames.LogExtension)))
                {
                    fs.RenameFile(file, LogFileNames.Path(directory, baseOffset, LogFileNames.TxnIndexExtension));
                }
                else
                {
                    fs.DeleteFile(file);
                }
            }
        }
    }

    private void DropSegmentsAfter(List<long> baseOffsets, int from)
    {
        for (var j = from; j < baseOffsets.Count; j++)
        {
            var dropped = LogSegment.Open(fs, directory, baseOffsets[j], config, now);
            logger.SegmentDroppedAfterCorruption(dropped.LogPath);
            dropped.Delete();
        }
    }
}

/// <summary>
/// A loaded log: its segments, log start offset and recovery point; <paramref name="Recovered"/> if anything
/// was rescanned (the result must be flushed before the recovery point is trusted), <paramref name="CreatedSegment"/>
/// if the directory was empty and got its first segment (a name the directory fsync must make durable).
/// </summary>
/// <param name="CheckpointedRecoveryPoint">What the recovery point checkpoint holds (0, its meaning, when there is none).</param>
internal readonly record struct LoadedLog(LogSegment[] Segments, long LogStartOffset, long RecoveryPoint, long CheckpointedRecoveryPoint, bool Recovered, bool CreatedSegment);
