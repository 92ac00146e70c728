namespace Platform.Streams.State;

/// <summary>Reads of a window store: values per key and window start.</summary>
public interface IReadOnlyWindowStore<TKey, TValue>
{
    /// <summary>The value of <paramref name="key"/> in the window starting at <paramref name="windowStartMs"/>, or default.</summary>
    TValue? Fetch(TKey key, long windowStartMs);

    /// <summary>The windows of <paramref name="key"/> starting from <paramref name="fromMs"/> to <paramref name="toMs"/> (inclusive), by start time.</summary>
    IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long fromMs, long toMs);

    /// <summary>The windows of keys in [<paramref name="keyFrom"/>, <paramref name="keyTo"/>] starting in [<paramref name="fromMs"/>, <paramref name="toMs"/>].</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo, long fromMs, long toMs);

    /// <summary>Every window of every key starting in [<paramref name="fromMs"/>, <paramref name="toMs"/>].</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long fromMs, long toMs);

    /// <summary>Every window the store holds.</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All();
}

/// <summary>A window store: keeps windows for its retention period (by stream time), then drops them.</summary>
public interface IWindowStore<TKey, TValue> : IStateStore, IReadOnlyWindowStore<TKey, TValue>
{
    /// <summary>Sets the value of <paramref name="key"/> in the window starting at <paramref name="windowStartMs"/>; null deletes.</summary>
    void Put(TKey key, TValue? value, long windowStartMs);
}
