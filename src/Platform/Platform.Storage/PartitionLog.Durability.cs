using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// Durability of the log: the durable offset (everything below it fsynced, kept by the <see cref="LogFlusher"/>), group commit for
/// write.caching=false, and the offline state an I/O error puts the log in. As in Kafka, a failed write
/// or fsync is fatal for the log: after one, Linux may have dropped the dirty pages, so a later fsync
/// that succeeds proves nothing; the log serves nothing more and writes no checkpoint until a restart
/// recovers it from what is really on disk.
/// </summary>
public sealed partial class PartitionLog
{
    private StorageException? _offline;

    /// <summary>
    /// Raised, outside the log's locks, when what readers may see changed: the high watermark moved or
    /// the log went offline (the broker wakes waiting fetches with it).
    /// </summary>
    public event Action? ReadableChanged;

    /// <summary>Offsets below this are fsynced (the <c>.log</c> files; indexes follow at the recovery point).</summary>
    public long DurableOffset => _flusher.DurableOffset;

    /// <summary>True after an I/O error: every operation throws <see cref="StorageException"/> until a restart.</summary>
    public bool IsOffline => Volatile.Read(ref _offline) is not null;

    /// <summary>The error that took the log offline, or null.</summary>
    public StorageException? OfflineCause => Volatile.Read(ref _offline);

    /// <summary>
    /// Completes once every offset below <paramref name="endOffset"/> is fsynced, sharing one fsync with
    /// every other waiter of the partition (group commit). Faults with a <see cref="StorageException"/>
    /// if the log goes offline first.
    /// </summary>
    public Task WaitForDurableAsync(long endOffset) => _groupCommit.WaitAsync(endOffset);

    /// <summary>
    /// A consumer waits at the high watermark (a Fetch found nothing to read). With write.caching=false the
    /// records it waits for become readable with the next fsync, so that one starts now rather than being
    /// deferred, and so do those of appends in the next second.
    /// </summary>
    public void ReaderAtHighWatermark()
    {
        if (!_config.WriteCaching)
        {
            _groupCommit.ReaderAtTail();
        }
    }

    /// <summary>
    /// Blocks until every offset below <paramref name="endOffset"/> is fsynced, syncing on the calling thread
    /// if no one else is (coordinator writes, which answer from under their own locks).
    /// </summary>
    public void WaitForDurable(long endOffset)
    {
        if (DurableOffset < endOffset)
        {
            SyncData(LogEndOffset);
        }
    }

    /// <summary>
    /// fsyncs the <c>.log</c> files holding offsets in [durable offset, <paramref name="target"/>) and
    /// moves the durable offset (and with write.caching=false the high watermark) to it. Only the data:
    /// recovery rescans from the recovery point and rebuilds the indexes there, so they can wait for
    /// the next flush. One sync at a time; a caller that finds its range synced by another returns at once.
    /// </summary>
    internal void SyncData(long target)
    {
        lock (_flusher.SyncLock)
        {
            ThrowIfOffline();
            try
            {
                if (!_flusher.SyncData(target))
                {
                    return;
                }
            }
            catch (IOException e)
            {
                throw GoOffline("fsync", e);
            }
        }

        _highWatermark.Advance(target, LogEndOffset);
    }

    /// <summary>
    /// Takes the log offline after an I/O error (the first one wins and is logged): waiters fail, fetches
    /// wake up to report it, and no later operation reads, writes, syncs or checkpoints. Returns the
    /// exception to throw.
    /// </summary>
    private StorageException GoOffline(string operation, Exception cause)
    {
        var error = new StorageException($"{operation} of {Directory} failed: {cause.Message}; the log is offline until a restart recovers it from disk.", cause);
        if (Interlocked.CompareExchange(ref _offline, error, null) is null)
        {
            _logger.LogOffline(Directory, operation, cause);
            _groupCommit.Fail(error);
            ReadableChanged?.Invoke();
            return error;
        }

        return OfflineError();
    }

    private void ThrowIfOffline()
    {
        if (Volatile.Read(ref _offline) is not null)
        {
            throw OfflineError();
        }
    }

    private StorageException OfflineError()
    {
        var offline = Volatile.Read(ref _offline)!;
        return new StorageException(offline.Message, offline.InnerException);
    }
}
