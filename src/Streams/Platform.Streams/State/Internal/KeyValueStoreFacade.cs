namespace Platform.Streams.State.Internal;

/// <summary>
/// A timestamped store seen as a plain key-value store (values without their timestamps), for tests and
/// interactive queries; writes carry no timestamp (-1), as Kafka's facade does.
/// </summary>
internal sealed class KeyValueStoreFacade<TKey, TValue>(ITimestampedKeyValueStore<TKey, TValue> inner) : IKeyValueStore<TKey, TValue>
{
    public string Name => inner.Name;

    public bool Persistent => inner.Persistent;

    public bool IsOpen => inner.IsOpen;

    public long ApproximateNumEntries => inner.ApproximateNumEntries;

    public void Init(IStateStoreContext context, IStateStore root) => inner.Init(context, root);

    public TValue? Get(TKey key) => ValueAndTimestamp.GetValueOrDefault(inner.Get(key));

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

    public void Put(TKey key, TValue? value) => inner.Put(key, ValueAndTimestamp.Make(value, -1));

    public TValue? PutIfAbsent(TKey key, TValue value) => ValueAndTimestamp.GetValueOrDefault(inner.PutIfAbsent(key, new ValueAndTimestamp<TValue>(value, -1)));

    public void PutAll(IEnumerable<KeyValuePair<TKey, TValue?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (key, value) in entries)
        {
            Put(key, value);
        }
    }

    public TValue? Delete(TKey key) => ValueAndTimestamp.GetValueOrDefault(inner.Delete(key));

    public IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to) => Strip(inner.Range(from, to));

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseRange(TKey? from, TKey? to) => Strip(inner.ReverseRange(from, to));

    public IEnumerable<KeyValuePair<TKey, TValue>> All() => Strip(inner.All());

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseAll() => Strip(inner.ReverseAll());

    public void Flush() => inner.Flush();

    public void Close() => inner.Close();

    private static IEnumerable<KeyValuePair<TKey, TValue>> Strip(IEnumerable<KeyValuePair<TKey, ValueAndTimestamp<TValue>>> entries)
    {
        foreach (var (key, value) in entries)
        {
            yield return new KeyValuePair<TKey, TValue>(key, value.Value);
        }
    }
}
