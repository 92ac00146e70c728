namespace Platform.Cluster;

/// <summary>A cluster-state operation that cannot be done: etcd unreachable, a broker id taken, a value that does not parse.</summary>
public class ClusterException : Exception
{
    public ClusterException(string message)
        : base(message)
    {
    }

    public ClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ClusterException()
    {
    }
}

/// <summary>
/// A write by a controller whose epoch is no longer the current one: another broker has been elected
/// since (this one's lease expired), so this one must stop acting as controller.
/// </summary>
public sealed class NotControllerException : ClusterException
{
    public NotControllerException(string message)
        : base(message)
    {
    }

    public NotControllerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public NotControllerException()
    {
    }
}

/// <summary>A watch that fell behind etcd's compaction: the events in between are gone, so the watcher must read the whole state again.</summary>
public sealed class WatchCompactedException : ClusterException
{
    public WatchCompactedException(long compactRevision)
        : base($"etcd compacted its history past revision {compactRevision}: the watcher must reload the state.")
        => CompactRevision = compactRevision;

    public WatchCompactedException(string message)
        : base(message)
    {
    }

    public WatchCompactedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WatchCompactedException()
    {
    }

    public long CompactRevision { get; }
}
