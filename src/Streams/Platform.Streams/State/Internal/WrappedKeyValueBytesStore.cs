namespace Platform.Streams.State.Internal;

/// <summary>A byte store layer that passes everything to the store it wraps unless it overrides it.</summary>
internal abstract class WrappedKeyValueBytesStore(IKeyValueStore<Bytes, byte[]> inner) : IKeyValueStore<Bytes, byte[]>, IKeyFinder
{
    /// <summary>The wrapped store.</summary>
    protected IKeyValueStore<Bytes, byte[]> Inner { get; } = inner;

    /// <summary>The wrapped store, for finding a layer.</summary>
    public IKeyValueStore<Bytes, byte[]> InnerStore => Inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    public virtual long ApproximateNumEntries => Inner.ApproximateNumEntries;

    public virtual void Init(IStateStoreContext context, IStateStore root) => Inner.Init(context, root);

    public virtual byte[]? Get(Bytes key) => Inner.Get(key);

    public virtual Bytes? FindKey(ReadOnlySpan<byte> key) => (Inner as IKeyFinder)?.FindKey(key);

    public virtual bool TryGet(Bytes key, out byte[] value) => Inner.TryGet(key, out value);

    public abstract void Put(Bytes key, byte[]? value);

    public virtual byte[]? PutIfAbsent(Bytes key, byte[] value)
    {
        var existing = Get(key);
        if (existing is null)
        {
            Put(key, value);
        }

        return existing;
    }

    public void PutAll(IEnumerable<KeyValuePair<Bytes, byte[]?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (key, value) in entries)
        {
            Put(key, value);
        }
    }

    public virtual byte[]? Delete(Bytes key)
    {
        var old = Get(key);
        Put(key, null);
        return old;
    }

    public virtual IEnumerable<KeyValuePair<Bytes, byte[]>> Range(Bytes? from, Bytes? to) => Inner.Range(from, to);

    public virtual IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseRange(Bytes? from, Bytes? to) => Inner.ReverseRange(from, to);

    public virtual IEnumerable<KeyValuePair<Bytes, byte[]>> All() => Inner.All();

    public virtual IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseAll() => Inner.ReverseAll();

    public virtual void Flush() => Inner.Flush();

    public virtual void Close() => Inner.Close();
}
