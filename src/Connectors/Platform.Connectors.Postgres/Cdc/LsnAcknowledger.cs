namespace Platform.Connectors.Postgres.Cdc;

/// <summary>
/// Decides when a WAL position may be confirmed to the server: a transaction's end LSN becomes confirmable once
/// every record handed out up to its last one has been acknowledged by the broker (in any order). Records are
/// tracked by their source-offset map, which transformations carry over to the records they return.
/// </summary>
internal sealed class LsnAcknowledger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IReadOnlyDictionary<string, object?>, long> _sequenceOf = new(ReferenceEqualityComparer.Instance);
    private readonly SortedSet<long> _outstanding = [];
    private readonly Queue<(long Sequence, ulong Lsn)> _checkpoints = new();
    private long _lastSequence;
    private ulong _confirmable;

    /// <summary>The highest LSN all of whose records are in the broker.</summary>
    public ulong Confirmable
    {
        get
        {
            lock (_lock)
            {
                return _confirmable;
            }
        }
    }

    /// <summary>A record was handed to the runtime.</summary>
    public void Sent(IReadOnlyDictionary<string, object?> offset)
    {
        lock (_lock)
        {
            _lastSequence++;
            _sequenceOf[offset] = _lastSequence;
            _outstanding.Add(_lastSequence);
        }
    }

    /// <summary>Everything handed out so far ends at <paramref name="lsn"/> (a commit's end).</summary>
    public void Checkpoint(ulong lsn)
    {
        lock (_lock)
        {
            _checkpoints.Enqueue((_lastSequence, lsn));
            Advance();
        }
    }

    /// <summary>The broker acknowledged the record with <paramref name="offset"/> (or the runtime dropped it).</summary>
    public void Acknowledged(IReadOnlyDictionary<string, object?> offset)
    {
        lock (_lock)
        {
            if (_sequenceOf.Remove(offset, out var sequence))
            {
                _outstanding.Remove(sequence);
                Advance();
            }
        }
    }

    private void Advance()
    {
        var lowest = _outstanding.Count == 0 ? long.MaxValue : _outstanding.Min;
        while (_checkpoints.TryPeek(out var checkpoint) && checkpoint.Sequence < lowest)
        {
            _checkpoints.Dequeue();
            _confirmable = Math.Max(_confirmable, checkpoint.Lsn);
        }
    }
}
