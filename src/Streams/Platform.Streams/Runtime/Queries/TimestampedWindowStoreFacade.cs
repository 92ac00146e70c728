using Platform.Streams.State;

namespace Platform.Streams.Runtime.Queries;

/// <summary>A timestamped window store read as a plain window store (the values without their timestamps), as Kafka's IQ facade does.</summary>
internal sealed class TimestampedWindowStoreFacade<TKey, TValue>(IReadOnlyWindowStore<TKey, ValueAndTimestamp<TValue>> inner) : IReadOnlyWindowStore<TKey, TValue>
{
    public TValue? Fetch(TKey key, long windowStartMs) => inner.Fetch(key, windowStartMs) is { } stamped ? stamped.Value : default;

    public IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long fromMs, long toMs)
    {
        foreach (var (start, stamped) in inner.Fetch(key, fromMs, toMs))
        {
            yield return new KeyValuePair<long, TValue>(start, stamped.Value!);
        }
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo, long fromMs, long toMs) => Strip(inner.Fetch(keyFrom, keyTo, fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long fromMs, long toMs) => Strip(inner.FetchAll(fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All() => Strip(inner.All());

    private static IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Strip(IEnumerable<KeyValuePair<Windowed<TKey>, ValueAndTimestamp<TValue>>> entries)
    {
        foreach (var (window, stamped) in entries)
        {
            yield return new KeyValuePair<Windowed<TKey>, TValue>(window, stamped.Value!);
        }
    }
}
