using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Groups;

/// <summary>
/// A coordinator's writes to one partition of its topic. Each is appended under this queue's lock, so
/// the log holds them in the order they were queued, and its completion runs once its record may be
/// answered (<see cref="Cluster.Partition.WhenAcknowledgeable"/>: fsynced, with write.caching=false), in
/// that same order, whatever order the durability waiters are woken in. Callers append under their own
/// lock and apply the change in the completion, so no state is answered before its record is durable
/// and no thread waits for an fsync.
/// </summary>
internal sealed class CoordinatorWriteQueue
{
    private readonly Lock _lock = new();
    private readonly Queue<Entry> _entries = new();
    private bool _draining;

    /// <summary>
    /// Runs <paramref name="append"/> (which appends and returns when its record is acknowledgeable) and
    /// later <paramref name="complete"/> with the error of the append or of its acknowledgement
    /// (<see cref="ErrorCode.None"/> once durable), after the completions of every earlier write. The
    /// completion runs on this thread when everything before it is already done, else on the thread pool.
    /// </summary>
    public void Write(Func<Task> append, Action<ErrorCode> complete)
    {
        var entry = new Entry(complete);
        lock (_lock)
        {
            try
            {
                entry.Acknowledged = append();
            }
            catch (LogException e)
            {
                entry.AppendError = e.ErrorCode == ErrorCode.None ? ErrorCode.KafkaStorageError : e.ErrorCode;
            }
            catch (ObjectDisposedException)
            {
                // The log closed under the write (the broker stops).
                entry.AppendError = ErrorCode.NotLeaderOrFollower;
            }

            _entries.Enqueue(entry);
        }

        if (entry.Acknowledged is { IsCompleted: false } pending)
        {
            pending.ContinueWith(static (_, queue) => ((CoordinatorWriteQueue)queue!).Drain(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            Drain();
        }
    }

    /// <summary>Runs the completions of the acknowledged writes at the head of the queue, one drainer at a time so they stay in order.</summary>
    private void Drain()
    {
        while (true)
        {
            Entry entry;
            lock (_lock)
            {
                if (_draining || !_entries.TryPeek(out entry!) || entry.Acknowledged is { IsCompleted: false })
                {
                    return;
                }

                _entries.Dequeue();
                _draining = true;
            }

            try
            {
                entry.Complete(entry.Result());
            }
            finally
            {
                lock (_lock)
                {
                    _draining = false;
                }
            }
        }
    }

    private sealed class Entry(Action<ErrorCode> complete)
    {
        public Action<ErrorCode> Complete { get; } = complete;

        public Task? Acknowledged { get; set; }

        public ErrorCode AppendError { get; set; }

        public ErrorCode Result() => Acknowledged?.Exception?.InnerException switch
        {
            null when Acknowledged is null || Acknowledged.IsCompletedSuccessfully => AppendError,
            LogException e => e.ErrorCode == ErrorCode.None ? ErrorCode.KafkaStorageError : e.ErrorCode,
            ObjectDisposedException => ErrorCode.NotLeaderOrFollower,
            _ => ErrorCode.UnknownServerError,
        };
    }
}
