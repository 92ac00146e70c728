namespace Platform.Streams.State.Internal;

/// <summary>
/// Kafka Streams' record cache: one per stream thread, <c>statestore.cache.max.bytes</c> shared by the
/// threads. Caching stores keep their latest writes here and pass them to the store (and downstream) on
/// commit or when evicted, so a key updated many times per commit interval produces one update.
/// </summary>
internal sealed class ThreadCache(long maxBytes)
{
    private readonly Dictionary<string, NamedCache> _caches = new(StringComparer.Ordinal);

    public long MaxBytes { get; } = maxBytes;

    /// <summary>The bytes cached by every store (each store's cache adds its changes).</summary>
    public long SizeBytes { get; private set; }

    /// <summary>Creates the cache of one store of one task; <paramref name="flushListener"/> receives its dirty entries.</summary>
    public NamedCache Register(string name, Action<List<CacheEntry>> flushListener)
    {
        if (_caches.ContainsKey(name))
        {
            throw new InvalidOperationException($"The record cache already has a store named '{name}'.");
        }

        var cache = new NamedCache(name, flushListener, this);
        _caches.Add(name, cache);
        return cache;
    }

    /// <summary>Removes a store's cache (its task closed); dirty entries are lost.</summary>
    public void Unregister(NamedCache cache)
    {
        if (_caches.Remove(cache.Name))
        {
            cache.Clear();
        }
    }

    public void Put(NamedCache cache, Bytes key, byte[]? value, bool dirty, long timestamp, Platform.Client.Headers? headers, string? topic, int partition, long offset)
    {
        cache.Put(key, value, dirty, timestamp, headers, topic, partition, offset);
        while (cache.Count > 0 && SizeBytes > MaxBytes)
        {
            cache.EvictOne();
        }
    }

    public void Flush(NamedCache cache) => cache.Flush();

    /// <summary>A store's cache grew or shrank by <paramref name="delta"/> bytes.</summary>
    internal void Resized(long delta) => SizeBytes += delta;
}
