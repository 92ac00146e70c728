using Platform.Streams.State;

namespace Platform.Streams.Runtime.Queries;

/// <summary>One read-only view over a store's instances in every local task (a key lives in exactly one of them).</summary>
internal sealed class CompositeReadOnlyKeyValueStore<TKey, TValue>(IReadOnlyList<IReadOnlyKeyValueStore<TKey, TValue>> stores) : IReadOnlyKeyValueStore<TKey, TValue>
{
    public long ApproximateNumEntries => stores.Sum(s => s.ApproximateNumEntries);

    public TValue? Get(TKey key) => TryGet(key, out var value) ? value : default;

    public bool TryGet(TKey key, out TValue value)
    {
        foreach (var store in stores)
        {
            if (store.TryGet(key, out value))
            {
                return true;
            }
        }

        value = default!;
        return false;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to) => stores.SelectMany(s => s.Range(from, to));

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseRange(TKey? from, TKey? to) => stores.SelectMany(s => s.ReverseRange(from, to));

    public IEnumerable<KeyValuePair<TKey, TValue>> All() => stores.SelectMany(s => s.All());

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseAll() => stores.SelectMany(s => s.ReverseAll());
}
