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
    /// Swaps a cleaned segment in for <paramref name="replaced"/> (see <see cref="SegmentList.Replace"/>).
    /// Returns false (and discards the cleaned segment) if the log changed meanwhile, e.g. retention removed a segment.
    /// </summary>
    internal bool ReplaceSegments(IReadOnlyList<LogSegment> replaced, LogSegment cleaned)
    {
        cleaned.OnBecomeInactive();
        cleaned.Flush();
        lock (_lock)
        {
            if (_closed || IsOffline || !_segments.Replace(replaced, cleaned, NowMs, _config.FileDeleteDelayMs))
            {
                cleaned.Delete();
                return false;
            }

            return true;
        }
    }
}
