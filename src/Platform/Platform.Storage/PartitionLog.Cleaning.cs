namespace Platform.Storage;

/// <summary>The hooks the <see cref="LogCleaner"/> uses; cleaning copies without the lock and swaps under it.</summary>
public sealed partial class PartitionLog
{
    /// <summary>The offset below which the log is already clean (persisted per partition).</summary>
    internal long CleanerCheckpoint
        => OffsetCheckpointFile.Read(_fs, Path.Combine(Directory, LogFileNames.CleanerCheckpoint)) ?? 0;

    internal void WriteCleanerCheckpoint(long offset) => WriteCheckpoint(LogFileNames.CleanerCheckpoint, offset);

    internal long NowMilliseconds => NowMs;

    /// <summary>A new, empty <c>.cleaned</c> segment to copy kept batches into.</summary>
    internal LogSegment CreateCleanedSegment(long baseOffset)
    {
        var path = LogFileNames.Path(Directory, baseOffset, LogFileNames.LogExtension, LogFileNames.CleanedSuffix);
        if (_fs.FileExists(path))
        {
            _fs.DeleteFile(path);
        }

        return LogSegment.Create(_fs, Directory, baseOffset, _config, NowMs, LogFileNames.CleanedSuffix);
    }

    /// <summary>
    /// Swaps a cleaned segment in for <paramref name="replaced"/>, Kafka-style: the cleaned files become
    /// <c>.swap</c> (the commit point: a crash from here on finishes the swap at the next open), the old
    /// segments are retired as <c>.deleted</c>, then the swap files take their final names. Returns false
    /// (and discards the cleaned segment) if the log changed meanwhile, e.g. retention removed a segment.
    /// </summary>
    internal bool ReplaceSegments(IReadOnlyList<LogSegment> replaced, LogSegment cleaned)
    {
        cleaned.OnBecomeInactive();
        cleaned.Flush();
        lock (_lock)
        {
            var segments = _segments;
            var start = Array.IndexOf(segments, replaced[0]);
            var intact = !_closed && !IsOffline && start >= 0 && start + replaced.Count < segments.Length;
            for (var i = 0; intact && i < replaced.Count; i++)
            {
                intact = segments[start + i] == replaced[i];
            }

            if (!intact)
            {
                cleaned.Delete();
                return false;
            }

            var now = NowMs;
            cleaned.ChangeSuffix(LogFileNames.SwapSuffix);
            _directoryChanged = true;
            _segments = [.. segments[..start], cleaned, .. segments[(start + replaced.Count)..]];
            _retired.Retire(replaced, now, _config.FileDeleteDelayMs);
            cleaned.ChangeSuffix("");
            return true;
        }
    }
}
