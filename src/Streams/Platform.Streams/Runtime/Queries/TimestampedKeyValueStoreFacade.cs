using Platform.Streams.State;

namespace Platform.Streams.Runtime.Queries;

/// <summary>A timestamped store read as a plain key-value store (the values without their timestamps), as Kafka's IQ facade does.</summary>
internal sealed class TimestampedKeyValueStoreFacade<TKey, TValue>(IReadOnlyKeyValueStore<TKey, ValueAndTimestamp<TValue>> inner) : IReadOnlyKeyValueStore<TKey, TValue>
{
    public long ApproximateNumEntries => inner.ApproximateNumEntries;

    public TValue? Get(TKey key) => TryGet(key, out var value) ? value : default;

    public bool TryGet(TKey key, out TValue value)
    {
        if (inner.TryGet(key, out var stamped) && stamped is not null)
        {
            value = stamped.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to) => Strip(inner.Range(from, to));

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseRange(TKey? from, TKey? to) => Strip(inner.ReverseRange(from, to));

    public IEnumerable<KeyValuePair<TKey, TValue>> All() => Strip(inner.All());

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseAll() => Strip(inner.ReverseAll());

    private static IEnumerable<KeyValuePair<TKey, TValue>> Strip(IEnumerable<KeyValuePair<TKey, ValueAndTimestamp<TValue>>> entries)
        => entries.Select(e => new KeyValuePair<TKey, TValue>(e.Key, e.Value.Value));
}
