namespace Platform.Storage;

/// <summary>
/// Bytes of a <c>.log</c> file at [<see cref="Start"/>, <see cref="End"/>) held in a buffer a tail window slid
/// off (see <see cref="DirectAppendTail"/>), from the buffer's aligned start. Its file's list (under the file's
/// cache lock) decides its life: whoever takes it out of that list gives the buffer back, after which no reader
/// can reach it.
/// </summary>
internal sealed class CachedChunk(PhysicalSegmentFile owner, long start, long end, byte[] buffer)
{
    public PhysicalSegmentFile Owner { get; } = owner;

    public long Start { get; } = start;

    /// <summary>Lowered when the file is truncated inside the chunk (changed under the file's cache lock).</summary>
    public long End { get; set; } = end;

    public byte[] Buffer { get; } = buffer;

    /// <summary>Its place in the cache's age order; null once out of it (changed under the cache's lock).</summary>
    public LinkedListNode<CachedChunk>? Node { get; set; }
}

/// <summary>
/// Recently appended log data of all files in memory within one budget, oldest out first (what Redpanda's batch
/// cache does): with appends going around the page cache, this is what serves consumers a little behind the tail
/// from memory instead of the disk. Chunks are whole tail-window buffers, reused through the file system's pool.
/// </summary>
internal sealed class RecentLogCache(long budgetBytes)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<CachedChunk> _byAge = [];
    private long _bytes;

    /// <summary>Bytes of buffers held now.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// Counts <paramref name="chunk"/> (already in its file's list) as the newest, and returns the oldest ones over
    /// the budget, out of the age order: the caller takes them out of their files' lists.
    /// </summary>
    public List<CachedChunk>? Add(CachedChunk chunk)
    {
        List<CachedChunk>? evicted = null;
        lock (_lock)
        {
            chunk.Node = _byAge.AddLast(chunk);
            _bytes += chunk.Buffer.Length;
            while (_bytes > budgetBytes && _byAge.First is { } oldest)
            {
                Forget(oldest.Value);
                (evicted ??= []).Add(oldest.Value);
            }
        }

        return evicted;
    }

    /// <summary>Takes <paramref name="chunk"/> out of the age order, if still in it (its file dropped it).</summary>
    public void Remove(CachedChunk chunk)
    {
        lock (_lock)
        {
            if (chunk.Node is not null)
            {
                Forget(chunk);
            }
        }
    }

    private void Forget(CachedChunk chunk)
    {
        _byAge.Remove(chunk.Node!);
        chunk.Node = null;
        _bytes -= chunk.Buffer.Length;
    }
}
