using Platform.Streams.Processors.Internal;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Keeps writes in the thread's record cache and passes the latest value per key to the wrapped store (and to
/// the flush listener, which forwards downstream) on commit or eviction: Kafka's caching layer. Without a
/// cache (<c>statestore.cache.max.bytes</c> 0 still has one: it evicts at once) writes go straight through.
/// </summary>
internal sealed class CachingKeyValueStore(IKeyValueStore<Bytes, byte[]> inner) : WrappedKeyValueBytesStore(inner), ICachedStore
{
    private readonly RecordCacheBinding<BytesFlushListener> _binding = new();

    public override void Init(IStateStoreContext context, IStateStore root)
    {
        Inner.Init(context, root);
        _binding.Init(context, Name, FlushEntry);
    }

    /// <summary>Sets who receives flushed entries; false when the store has no cache (the caller then forwards itself).</summary>
    public bool SetFlushListener(BytesFlushListener listener, bool sendOldValues) => _binding.SetFlushListener(listener, sendOldValues);

    public override byte[]? Get(Bytes key)
    {
        if (_binding.Named?.Get(key) is { } entry)
        {
            return entry.Value;
        }

        return Inner.Get(key);
    }

    public override Bytes? FindKey(ReadOnlySpan<byte> key) => _binding.Named?.FindKey(key) ?? base.FindKey(key);

    public override bool TryGet(Bytes key, out byte[] value)
    {
        value = Get(key)!;
        return value is not null;
    }

    public override void Put(Bytes key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_binding.Named is null)
        {
            Inner.Put(key, value);
            return;
        }

        _binding.Put(key, value);
    }

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> Range(Bytes? from, Bytes? to) => Merged(from, to, reverse: false);

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseRange(Bytes? from, Bytes? to) => Merged(from, to, reverse: true);

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> All() => Merged(null, null, reverse: false);

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseAll() => Merged(null, null, reverse: true);

    public override long ApproximateNumEntries => Inner.ApproximateNumEntries + (_binding.Named?.DirtyCount ?? 0);

    public override void Flush()
    {
        FlushCache();
        Inner.Flush();
    }

    public void FlushCache() => _binding.FlushCache();

    public override void Close()
    {
        _binding.Close();
        Inner.Close();
    }

    private List<KeyValuePair<Bytes, byte[]>> Merged(Bytes? from, Bytes? to, bool reverse)
    {
        if (from is not null && to is not null && from.CompareTo(to) > 0)
        {
            return [];
        }

        var merged = new SortedDictionary<Bytes, byte[]?>(Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b)));
        foreach (var (key, value) in Inner.Range(from, to))
        {
            merged[key] = value;
        }

        if (_binding.Named is not null)
        {
            foreach (var entry in _binding.Named.Range(from, to))
            {
                merged[entry.Key] = entry.Value;
            }
        }

        var result = new List<KeyValuePair<Bytes, byte[]>>(merged.Count);
        foreach (var (key, value) in merged)
        {
            if (value is not null)
            {
                result.Add(new KeyValuePair<Bytes, byte[]>(key, value));
            }
        }

        if (reverse)
        {
            result.Reverse();
        }

        return result;
    }

    private void FlushEntry(CacheEntry entry)
    {
        var newValue = entry.Value;
        var oldValue = newValue is null || _binding.SendOldValues ? Inner.Get(entry.Key) : null;

        // A key neither stored nor cached before and now deleted changes nothing: skip the write and the forward.
        if (newValue is null && oldValue is null)
        {
            return;
        }

        Inner.Put(entry.Key, newValue);
        _binding.Listener?.Invoke(entry.Key, newValue, _binding.SendOldValues ? oldValue : null, entry.Timestamp, entry.Headers);
    }
}
