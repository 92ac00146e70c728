using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// Kafka's deferred delete of the segments a log removed (retention, DeleteRecords, cleaning): renamed to
/// <c>.deleted</c> at once, closed and deleted once file.delete.delay.ms has passed, so reads already
/// holding a slice of one finish. A delete that fails is logged, not thrown: the next start removes the
/// <c>.deleted</c> leftovers.
/// </summary>
internal sealed class RetiredSegments(ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly List<(LogSegment Segment, long DueMs)> _segments = [];

    /// <summary>Retires <paramref name="segments"/>, already off the log's list: deleted now when <paramref name="delayMs"/> is 0.</summary>
    public void Retire(IEnumerable<LogSegment> segments, long nowMs, long delayMs)
    {
        foreach (var segment in segments)
        {
            if (delayMs == 0)
            {
                DeleteQuietly(segment);
                continue;
            }

            try
            {
                segment.ChangeSuffix(LogFileNames.DeletedSuffix);
            }
            catch (IOException e)
            {
                logger.DeleteFailed(segment.LogPath, e);
            }

            lock (_lock)
            {
                _segments.Add((segment, nowMs + delayMs));
            }
        }
    }

    /// <summary>Deletes the files of the retired segments whose delay has passed.</summary>
    public void DeleteDue(long nowMs)
    {
        List<LogSegment>? due = null;
        lock (_lock)
        {
            for (var i = _segments.Count - 1; i >= 0; i--)
            {
                if (_segments[i].DueMs <= nowMs)
                {
                    (due ??= []).Add(_segments[i].Segment);
                    _segments.RemoveAt(i);
                }
            }
        }

        foreach (var segment in due ?? [])
        {
            DeleteQuietly(segment);
        }
    }

    /// <summary>Closes the files of every retired segment not deleted yet (the log closes; the next start deletes them).</summary>
    public void CloseAll()
    {
        lock (_lock)
        {
            foreach (var (segment, _) in _segments)
            {
                segment.Dispose();
            }

            _segments.Clear();
        }
    }

    private void DeleteQuietly(LogSegment segment)
    {
        try
        {
            segment.Delete();
        }
        catch (IOException e)
        {
            logger.DeleteFailed(segment.LogPath, e);
        }
    }
}
