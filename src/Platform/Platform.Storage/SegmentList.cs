using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// The segments of one log, oldest first, the last one active (appended to), and the segments retired from it
/// (<see cref="RetiredSegments"/>). Changed only under the log's lock; readers take <see cref="All"/>, an array
/// a change replaces rather than mutates, so they need no lock. It also remembers whether a file of the
/// directory was created, renamed or deleted since the directory was last fsynced: an fsynced segment is lost
/// all the same if its name is.
/// </summary>
internal sealed class SegmentList(IStorageFileSystem fs, string directory, ILogger logger)
{
    private readonly RetiredSegments _retired = new(logger);
    private volatile LogSegment[] _segments = [];
    private volatile bool _directoryChanged;

    /// <summary>A snapshot of the segments, oldest first.</summary>
    public LogSegment[] All => _segments;

    public LogSegment Active => _segments[^1];

    public int Count => _segments.Length;

    /// <summary>Bytes in all segments.</summary>
    public long Size => _segments.Sum(s => (long)s.Size);

    /// <summary>Takes the segments a <see cref="LogLoader"/> opened; <paramref name="created"/> if it created one (a name not yet durable).</summary>
    public void Load(LogSegment[] segments, bool created)
    {
        _segments = segments;
        _directoryChanged = created;
    }

    /// <summary>False once the segment is off the list (deleted by retention or replaced by the cleaner).</summary>
    public bool Contains(LogSegment segment) => Array.IndexOf(_segments, segment) >= 0;

    /// <summary>The index in <paramref name="segments"/> of the segment holding <paramref name="offset"/> (the last one whose base is at or below it; 0 if none).</summary>
    public static int IndexHolding(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    /// <summary>The segment holding <paramref name="offset"/>.</summary>
    public LogSegment Holding(long offset)
    {
        var segments = _segments;
        return segments[IndexHolding(segments, offset)];
    }

    /// <summary>Starts a new active segment at <paramref name="baseOffset"/> (the log end); the old one becomes inactive.</summary>
    public LogSegment Roll(long baseOffset, LogConfig config, long nowMs)
    {
        var segments = _segments;
        segments[^1].OnBecomeInactive();
        var segment = LogSegment.Create(fs, directory, baseOffset, config, nowMs);
        _directoryChanged = true;
        _segments = [.. segments, segment];
        return segment;
    }

    /// <summary>A new, empty <c>.cleaned</c> segment for the cleaner to copy kept batches into (a leftover of an interrupted cleaning is replaced).</summary>
    public LogSegment CreateCleaned(long baseOffset, LogConfig config, long nowMs)
    {
        var path = LogFileNames.Path(directory, baseOffset, LogFileNames.LogExtension, LogFileNames.CleanedSuffix);
        if (fs.FileExists(path))
        {
            fs.DeleteFile(path);
        }

        return LogSegment.Create(fs, directory, baseOffset, config, nowMs, LogFileNames.CleanedSuffix);
    }

    /// <summary>
    /// How many segments, oldest first, match <paramref name="predicate"/> (given each and the one after it):
    /// the count stops at the first that does not, at the first not wholly below <paramref name="highWatermark"/>,
    /// and at an empty active segment.
    /// </summary>
    public int CountOldest(Func<LogSegment, LogSegment?, bool> predicate, long highWatermark, long logEndOffset)
    {
        var segments = _segments;
        var count = 0;
        for (; count < segments.Length; count++)
        {
            var segment = segments[count];
            var next = count + 1 < segments.Length ? segments[count + 1] : null;
            var upperBound = next?.BaseOffset ?? logEndOffset;
            var lastAndEmpty = next is null && segment.Size == 0;
            if (lastAndEmpty || highWatermark < upperBound || !predicate(segment, next))
            {
                break;
            }
        }

        return count;
    }

    /// <summary>Takes the oldest <paramref name="count"/> segments off the list (at least one stays) and retires them.</summary>
    public void RemoveOldest(int count, long nowMs, long fileDeleteDelayMs)
    {
        var segments = _segments;
        _segments = segments[count..];
        _directoryChanged = true;
        _retired.Retire(segments[..count], nowMs, fileDeleteDelayMs);
    }

    /// <summary>
    /// Cuts the log at <paramref name="offset"/>: the segments from it on are deleted and the one holding it
    /// truncated. With <paramref name="fully"/>, or an offset at or below the first segment's base, every
    /// segment goes and one empty segment starts at <paramref name="offset"/>; then returns true.
    /// </summary>
    public bool TruncateTo(long offset, bool fully, LogConfig config, long nowMs)
    {
        var segments = _segments;
        _directoryChanged = true;
        if (fully || offset <= segments[0].BaseOffset)
        {
            _segments = [LogSegment.Create(fs, directory, Math.Max(offset, 0), config, nowMs)];
            foreach (var segment in segments)
            {
                segment.Delete();
            }

            return true;
        }

        var keep = segments.Length;
        while (segments[keep - 1].BaseOffset >= offset)
        {
            keep--;
        }

        _segments = segments[..keep];
        for (var i = keep; i < segments.Length; i++)
        {
            segments[i].Delete();
        }

        segments[keep - 1].TruncateTo(offset);
        return false;
    }

    /// <summary>
    /// Swaps a cleaned segment in for <paramref name="replaced"/>, Kafka-style: the cleaned files become
    /// <c>.swap</c> (the commit point: a crash from here on finishes the swap at the next open), the old
    /// segments are retired as <c>.deleted</c>, then the swap files take their final names. Returns false,
    /// changing nothing, if <paramref name="replaced"/> are no longer consecutive inactive segments of the list.
    /// </summary>
    public bool Replace(IReadOnlyList<LogSegment> replaced, LogSegment cleaned, long nowMs, long fileDeleteDelayMs)
    {
        var segments = _segments;
        var start = Array.IndexOf(segments, replaced[0]);
        var intact = start >= 0 && start + replaced.Count < segments.Length;
        for (var i = 0; intact && i < replaced.Count; i++)
        {
            intact = segments[start + i] == replaced[i];
        }

        if (!intact)
        {
            return false;
        }

        cleaned.ChangeSuffix(LogFileNames.SwapSuffix);
        _directoryChanged = true;
        _segments = [.. segments[..start], cleaned, .. segments[(start + replaced.Count)..]];
        _retired.Retire(replaced, nowMs, fileDeleteDelayMs);
        cleaned.ChangeSuffix("");
        return true;
    }

    /// <summary>A file of the directory is about to be created (a segment's first transaction index entry).</summary>
    public void MarkDirectoryChanged() => _directoryChanged = true;

    /// <summary>
    /// fsyncs the directory if a file was created, renamed or deleted in it since the last time. The flag is
    /// cleared first, so a change made during the sync is synced next time; a failed sync keeps it set.
    /// </summary>
    public void SyncDirectoryIfChanged()
    {
        if (!_directoryChanged)
        {
            return;
        }

        _directoryChanged = false;
        try
        {
            fs.SyncDirectory(directory);
        }
        catch (IOException)
        {
            _directoryChanged = true;
            throw;
        }
    }

    /// <summary>Deletes the files of retired segments whose file.delete.delay.ms passed.</summary>
    public void DeleteRetired(long nowMs) => _retired.DeleteDue(nowMs);

    /// <summary>Closes the files of every segment, retired ones too.</summary>
    public void CloseAll()
    {
        foreach (var segment in _segments)
        {
            segment.Dispose();
        }

        _retired.CloseAll();
    }
}
