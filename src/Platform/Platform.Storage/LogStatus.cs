using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// Whether one log can still be used: closed (by <see cref="PartitionLog.Close"/> or
/// <see cref="PartitionLog.Delete"/>) or offline. As in Kafka, a failed write or fsync is fatal for the log:
/// after one, Linux may have dropped the dirty pages, so a later fsync that succeeds proves nothing; the log
/// serves nothing more and writes no checkpoint until a restart recovers it from what is really on disk.
/// The first error wins: it is logged and handed to <paramref name="wentOffline"/> (waiters fail, fetches wake).
/// </summary>
internal sealed class LogStatus(string directory, ILogger logger, Action<StorageException> wentOffline)
{
    private StorageException? _offline;
    private volatile bool _closed;

    public bool IsClosed => _closed;

    public bool IsOffline => Volatile.Read(ref _offline) is not null;

    /// <summary>The error that took the log offline, or null.</summary>
    public StorageException? OfflineCause => Volatile.Read(ref _offline);

    /// <summary>Marks the log closed; false if it already was. Callers hold the log's lock, so no change runs past it.</summary>
    public bool Close()
    {
        if (_closed)
        {
            return false;
        }

        _closed = true;
        return true;
    }

    /// <summary>Throws <see cref="StorageException"/> if the log is offline.</summary>
    public void ThrowIfOffline()
    {
        if (IsOffline)
        {
            throw OfflineError();
        }
    }

    /// <summary>For a change of the log: <see cref="ObjectDisposedException"/> once closed, <see cref="StorageException"/> once offline.</summary>
    public void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_closed, typeof(PartitionLog));
        ThrowIfOffline();
    }

    /// <summary>Takes the log offline after an I/O error during <paramref name="operation"/>; returns the exception to throw.</summary>
    public StorageException GoOffline(string operation, Exception cause)
    {
        var error = new StorageException($"{operation} of {directory} failed: {cause.Message}; the log is offline until a restart recovers it from disk.", cause);
        if (Interlocked.CompareExchange(ref _offline, error, null) is null)
        {
            logger.LogOffline(directory, operation, cause);
            wentOffline(error);
            return error;
        }

        return OfflineError();
    }

    private StorageException OfflineError()
    {
        var offline = Volatile.Read(ref _offline)!;
        return new StorageException(offline.Message, offline.InnerException);
    }
}
