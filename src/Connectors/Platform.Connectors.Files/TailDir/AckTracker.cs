namespace Platform.Connectors.Files.TailDir;

/// <summary>
/// The committed position of one tailed file: records are handed out in file order but may be acknowledged in
/// any order (they can go to different partitions), so the position only moves past a record once every record
/// before it was acknowledged too.
/// </summary>
internal sealed class AckTracker(long committed)
{
    private readonly Lock _lock = new();
    private readonly Queue<long> _outstanding = new();
    private readonly HashSet<long> _acknowledged = [];
    private long _committed = committed;

    /// <summary>The position up to which every record was acknowledged.</summary>
    public long Committed
    {
        get
        {
            lock (_lock)
            {
                return _committed;
            }
        }
    }

    /// <summary>Whether every record handed out was acknowledged.</summary>
    public bool Idle
    {
        get
        {
            lock (_lock)
            {
                return _outstanding.Count == 0;
            }
        }
    }

    /// <summary>A record ending at <paramref name="position"/> was handed out.</summary>
    public void Emitted(long position)
    {
        lock (_lock)
        {
            _outstanding.Enqueue(position);
        }
    }

    /// <summary>The record ending at <paramref name="position"/> was acknowledged; true when the committed position moved.</summary>
    public bool Acknowledge(long position)
    {
        lock (_lock)
        {
            _acknowledged.Add(position);
            var moved = false;
            while (_outstanding.Count > 0 && _acknowledged.Remove(_outstanding.Peek()))
            {
                _committed = _outstanding.Dequeue();
                moved = true;
            }

            return moved;
        }
    }
}
