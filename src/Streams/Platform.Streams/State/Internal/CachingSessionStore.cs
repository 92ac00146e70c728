using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Kafka's <c>CachingSessionStore</c>: session writes and removals stay in the thread's record cache (keyed by
/// the session key layout: key + end + start) and reach the wrapped store, and the flush listener that forwards
/// downstream, only on commit or eviction. A session updated many times per commit interval produces one
/// update; a session created and merged away within one interval produces none. Reads merge the cache over
/// the store; a per-key index of cached sessions keeps key lookups from scanning the cache (it may name
/// entries the cache has since evicted, which reads skip and prune). Cached sessions past the retention (by
/// the largest end written) are not returned, as the store beneath would not return them either.
/// </summary>
internal sealed class CachingSessionStore(ISessionStore<Bytes, byte[]> inner, long retentionPeriodMs)
    : IndexedCachingStore<ISessionStore<Bytes, byte[]>, Window, HashSet<Window>>(inner), ISessionStore<Bytes, byte[]>
{
    private long _observedStreamTime = -1;

    public void Put(Windowed<Bytes> session, byte[] value) => Write(session, value);

    public void Remove(Windowed<Bytes> session) => Write(session, null);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FindSessions(Bytes key, long earliestSessionEndMs, long latestSessionStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        var stored = Inner.FindSessions(key, earliestSessionEndMs, latestSessionStartMs);
        if (Binding.Named is null || !TryGetIndexed(key, out var windows))
        {
            return stored;
        }

        var merged = new Dictionary<Window, byte[]?>();
        foreach (var (session, value) in stored)
        {
            merged[session.Window] = value;
        }

        List<Window>? evicted = null;
        foreach (var window in windows)
        {
            if (Binding.Named.Get(CacheKey(key, window)) is not { } entry)
            {
                (evicted ??= []).Add(window);
            }
            else if (window.EndMs >= earliestSessionEndMs && window.StartMs <= latestSessionStartMs && Live(window))
            {
                merged[window] = entry.Value;
            }
        }

        evicted?.ForEach(window => windows.Remove(window));
        var result = new List<KeyValuePair<Windowed<Bytes>, byte[]>>(merged.Count);
        foreach (var (window, value) in merged)
        {
            if (value is not null)
            {
                result.Add(new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(key, window), value));
            }
        }

        // The order of the stores beneath: by session end, then start.
        result.Sort(static (a, b) => a.Key.Window.EndMs != b.Key.Window.EndMs ? a.Key.Window.EndMs.CompareTo(b.Key.Window.EndMs) : a.Key.Window.StartMs.CompareTo(b.Key.Window.StartMs));
        return result;
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes key) => FindSessions(key, 0, long.MaxValue);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo)
    {
        var stored = Inner.Fetch(keyFrom, keyTo);
        if (Binding.Named is null)
        {
            return stored;
        }

        var merged = new Dictionary<(Bytes Key, Window Window), byte[]?>();
        foreach (var (session, value) in stored)
        {
            merged[(session.Key, session.Window)] = value;
        }

        // Range reads (interactive queries) are rare: they scan the cache rather than keep it sorted.
        foreach (var entry in Binding.Named.Range(null, null))
        {
            var (keyLength, window) = SessionWindowedSerde<Bytes>.ReadWindow(entry.Key.Value);
            var key = Bytes.Copy(entry.Key.Value.AsSpan(0, keyLength));
            if (Live(window) && (keyFrom is null || key.CompareTo(keyFrom) >= 0) && (keyTo is null || key.CompareTo(keyTo) <= 0))
            {
                merged[(key, window)] = entry.Value;
            }
        }

        return merged
            .Where(e => e.Value is not null)
            .OrderBy(e => e.Key.Window.EndMs)
            .ThenBy(e => e.Key.Key, Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b)))
            .ThenBy(e => e.Key.Window.StartMs)
            .Select(e => new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(e.Key.Key, e.Key.Window), e.Value!))
            .ToList();
    }

    private void Write(Windowed<Bytes> session, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(session.Key);
        if (Binding.Named is null)
        {
            if (value is null)
            {
                Inner.Remove(session);
            }
            else
            {
                Inner.Put(session, value);
            }

            return;
        }

        _observedStreamTime = Math.Max(_observedStreamTime, session.Window.EndMs);
        Cache(session.Key, session.Window, value);
    }

    private bool Live(Window window) => window.EndMs > _observedStreamTime - retentionPeriodMs;

    protected override Bytes CacheKey(Bytes key, Window point) => new(SessionWindowedSerde<Bytes>.SessionKeyBytes(key.Value, point));

    /// <summary>The stored value of exactly <paramref name="session"/>, or null.</summary>
    private byte[]? Stored(Windowed<Bytes> session)
    {
        foreach (var (found, value) in Inner.FindSessions(session.Key, session.Window.EndMs, session.Window.StartMs))
        {
            if (found.Window == session.Window)
            {
                return value;
            }
        }

        return null;
    }

    protected override void FlushEntry(CacheEntry entry)
    {
        var (keyLength, window) = SessionWindowedSerde<Bytes>.ReadWindow(entry.Key.Value);
        var session = new Windowed<Bytes>(Bytes.Copy(entry.Key.Value.AsSpan(0, keyLength)), window);
        var newValue = entry.Value;
        var oldValue = newValue is null || Binding.SendOldValues ? Stored(session) : null;

        // A session neither stored nor flushed before and now removed (merged away) changes nothing.
        if (newValue is null && oldValue is null)
        {
            return;
        }

        if (newValue is null)
        {
            Inner.Remove(session);
        }
        else
        {
            Inner.Put(session, newValue);
        }

        Binding.Listener?.Invoke(session, newValue, Binding.SendOldValues ? oldValue : null, entry.Timestamp, entry.Headers);
    }
}
