using Platform.Streams.Processors.Internal;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Kafka's <c>CachingWindowStore</c>: writes stay in the thread's record cache (keyed by the window key layout:
/// key + start + sequence 0) and reach the wrapped store, and the flush listener that forwards downstream,
/// only on commit or eviction, so a window updated many times per commit interval produces one update.
/// Reads merge the cache over the store. A per-key index of cached window starts keeps key fetches from
/// scanning the whole cache; it may name entries the cache has since evicted, which reads then skip and prune.
/// Cached windows past the retention (by the largest start written) are not returned, as the store beneath
/// would not return them either.
/// </summary>
internal sealed class CachingWindowStore(IWindowStore<Bytes, byte[]> inner, long windowSizeMs, long retentionPeriodMs)
    : IndexedCachingStore<IWindowStore<Bytes, byte[]>, long, SortedSet<long>>(inner), IWindowStore<Bytes, byte[]>
{
    private long _observedStreamTime = -1;

    public void Put(Bytes key, byte[]? value, long windowStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Binding.Named is null)
        {
            Inner.Put(key, value, windowStartMs);
            return;
        }

        _observedStreamTime = Math.Max(_observedStreamTime, windowStartMs);
        Cache(key, windowStartMs, value);
    }

    public byte[]? Fetch(Bytes key, long windowStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (windowStartMs > MinLiveTime && Binding.Named?.Get(CacheKey(key, windowStartMs)) is { } entry)
        {
            return entry.Value;
        }

        return Inner.Fetch(key, windowStartMs);
    }

    public IEnumerable<KeyValuePair<long, byte[]>> Fetch(Bytes key, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        var merged = new SortedDictionary<long, byte[]?>();
        foreach (var (start, value) in Inner.Fetch(key, fromMs, toMs))
        {
            merged[start] = value;
        }

        if (Binding.Named is not null && fromMs <= toMs && TryGetIndexed(key, out var starts))
        {
            List<long>? evicted = null;
            foreach (var start in starts.GetViewBetween(Math.Min(Math.Max(fromMs, MinLiveTime + 1), toMs), toMs))
            {
                if (Binding.Named.Get(CacheKey(key, start)) is { } entry)
                {
                    merged[start] = entry.Value;
                }
                else
                {
                    (evicted ??= []).Add(start);
                }
            }

            evicted?.ForEach(start => starts.Remove(start));
        }

        return merged.Where(e => e.Value is not null).Select(e => new KeyValuePair<long, byte[]>(e.Key, e.Value!)).ToList();
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo, long fromMs, long toMs)
    {
        var merged = new Dictionary<(Bytes Key, long Start), (Windowed<Bytes> Window, byte[]? Value)>();
        foreach (var (window, value) in Inner.Fetch(keyFrom, keyTo, fromMs, toMs))
        {
            merged[(window.Key, window.Window.StartMs)] = (window, value);
        }

        if (Binding.Named is not null)
        {
            // Range reads (interactive queries) are rare: they scan the cache rather than keep it sorted.
            foreach (var entry in Binding.Named.Range(null, null))
            {
                var (key, start, _) = WindowKeySchema.FromStoreKeyBinary(entry.Key.Value);
                if (start >= fromMs && start <= toMs && start > MinLiveTime && (keyFrom is null || key.CompareTo(keyFrom) >= 0) && (keyTo is null || key.CompareTo(keyTo) <= 0))
                {
                    merged[(key, start)] = (new Windowed<Bytes>(key, WindowAt(start)), entry.Value);
                }
            }
        }

        return merged.Values
            .Where(e => e.Value is not null)
            .OrderBy(e => e.Window.Window.StartMs)
            .ThenBy(e => e.Window.Key, Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b)))
            .Select(e => new KeyValuePair<Windowed<Bytes>, byte[]>(e.Window, e.Value!))
            .ToList();
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FetchAll(long fromMs, long toMs) => Fetch(null, null, fromMs, toMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> All() => Fetch(null, null, long.MinValue, long.MaxValue);

    private long MinLiveTime => _observedStreamTime - retentionPeriodMs;

    protected override Bytes CacheKey(Bytes key, long point) => new(WindowKeySchema.ToStoreKeyBinary(key.Value, point, 0));

    private Window WindowAt(long start) => new(start, start <= long.MaxValue - windowSizeMs ? start + windowSizeMs : long.MaxValue);

    protected override void FlushEntry(CacheEntry entry)
    {
        var (key, start, _) = WindowKeySchema.FromStoreKeyBinary(entry.Key.Value);
        var newValue = entry.Value;
        var oldValue = newValue is null || Binding.SendOldValues ? Inner.Fetch(key, start) : null;
        if (newValue is null && oldValue is null)
        {
            return;
        }

        Inner.Put(key, newValue, start);
        Binding.Listener?.Invoke(new Windowed<Bytes>(key, WindowAt(start)), newValue, Binding.SendOldValues ? oldValue : null, entry.Timestamp, entry.Headers);
    }
}
