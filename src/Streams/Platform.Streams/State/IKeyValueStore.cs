namespace Platform.Streams.State;

/// <summary>Reads of a key-value store; iteration follows the serialized keys' byte order.</summary>
public interface IReadOnlyKeyValueStore<TKey, TValue>
{
    /// <summary>The value of <paramref name="key"/>, or default when absent.</summary>
    TValue? Get(TKey key);

    /// <summary>Whether <paramref name="key"/> has a value, and the value.</summary>
    bool TryGet(TKey key, out TValue value);

    /// <summary>Entries with keys from <paramref name="from"/> to <paramref name="to"/>, both inclusive (null: unbounded).</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to);

    /// <summary>Like <see cref="Range"/>, descending.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> ReverseRange(TKey? from, TKey? to);

    /// <summary>Every entry.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> All();

    /// <summary>Every entry, descending.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> ReverseAll();

    /// <summary>An estimate of the number of entries.</summary>
    long ApproximateNumEntries { get; }
}

/// <summary>A key-value store.</summary>
public interface IKeyValueStore<TKey, TValue> : IStateStore, IReadOnlyKeyValueStore<TKey, TValue>
{
    /// <summary>Sets <paramref name="key"/>; a null value deletes.</summary>
    void Put(TKey key, TValue? value);

    /// <summary>Sets <paramref name="key"/> unless it has a value; returns the existing value or default.</summary>
    TValue? PutIfAbsent(TKey key, TValue value);

    /// <summary>Sets each entry.</summary>
    void PutAll(IEnumerable<KeyValuePair<TKey, TValue?>> entries);

    /// <summary>Removes <paramref name="key"/> and returns its old value or default.</summary>
    TValue? Delete(TKey key);
}
