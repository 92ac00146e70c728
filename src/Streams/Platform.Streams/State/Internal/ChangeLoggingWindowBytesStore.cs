namespace Platform.Streams.State.Internal;

/// <summary>
/// Writes every change of a window store to its changelog (<c>&lt;application.id&gt;-&lt;store&gt;-changelog</c>,
/// <c>compact,delete</c>) keyed as Kafka's window store keys: key bytes + window start + sequence number. The
/// sequence number is 0 unless the store retains duplicates: then each value gets its own (the store's, when it
/// numbers them, see <see cref="ISequencedWindowStore"/>), so compaction keeps them all, and null puts (which
/// such a store ignores) are not logged.
/// </summary>
internal sealed class ChangeLoggingWindowBytesStore(IWindowStore<Bytes, byte[]> inner, bool timestamped, bool retainDuplicates = false) : IWindowStore<Bytes, byte[]>
{
    private ChangelogWriter? _changelog;

    // Starts at a random number so the values logged after a restart do not replace (by compaction) earlier ones.
    private int _sequence = retainDuplicates ? Random.Shared.Next() : 0;

    public IWindowStore<Bytes, byte[]> Inner { get; } = inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        Inner.Init(context, root);
        _changelog = new ChangelogWriter(context, Name, timestamped);
    }

    public void Put(Bytes key, byte[]? value, long windowStartMs)
    {
        Inner.Put(key, value, windowStartMs);
        if (retainDuplicates)
        {
            if (value is not null)
            {
                var sequence = Inner is ISequencedWindowStore numbered ? numbered.LastSequenceNumber : unchecked(_sequence++);
                _changelog!.Log(WindowKeySchema.ToStoreKeyBinary(key.Value, windowStartMs, sequence), value);
            }

            return;
        }

        _changelog!.Log(WindowKeySchema.ToStoreKeyBinary(key.Value, windowStartMs, 0), value);
    }

    public byte[]? Fetch(Bytes key, long windowStartMs) => Inner.Fetch(key, windowStartMs);

    public IEnumerable<KeyValuePair<long, byte[]>> Fetch(Bytes key, long fromMs, long toMs) => Inner.Fetch(key, fromMs, toMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo, long fromMs, long toMs) => Inner.Fetch(keyFrom, keyTo, fromMs, toMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FetchAll(long fromMs, long toMs) => Inner.FetchAll(fromMs, toMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> All() => Inner.All();

    public void Flush() => Inner.Flush();

    public void Close() => Inner.Close();
}
