using Platform.Streams.State;

namespace Platform.Streams.Runtime.Queries;

/// <summary>One read-only view over a window store's instances in every local task.</summary>
internal sealed class CompositeReadOnlyWindowStore<TKey, TValue>(IReadOnlyList<IReadOnlyWindowStore<TKey, TValue>> stores) : IReadOnlyWindowStore<TKey, TValue>
{
    public TValue? Fetch(TKey key, long windowStartMs)
    {
        foreach (var store in stores)
        {
            var value = store.Fetch(key, windowStartMs);
            if (value is not null && !EqualityComparer<TValue>.Default.Equals(value, default!))
            {
                return value;
            }
        }

        return default;
    }

    public IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long fromMs, long toMs) => stores.SelectMany(s => s.Fetch(key, fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo, long fromMs, long toMs) => stores.SelectMany(s => s.Fetch(keyFrom, keyTo, fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long fromMs, long toMs) => stores.SelectMany(s => s.FetchAll(fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All() => stores.SelectMany(s => s.All());
}
