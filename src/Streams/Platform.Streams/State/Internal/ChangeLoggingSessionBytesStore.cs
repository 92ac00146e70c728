using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Writes every change of a session store to its changelog (<c>compact,delete</c>) keyed as Kafka's session
/// keys: key bytes + session end + session start; a removed session is a tombstone.
/// </summary>
internal sealed class ChangeLoggingSessionBytesStore(ISessionStore<Bytes, byte[]> inner) : ISessionStore<Bytes, byte[]>
{
    private ChangelogWriter? _changelog;

    public ISessionStore<Bytes, byte[]> Inner { get; } = inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        Inner.Init(context, root);
        _changelog = new ChangelogWriter(context, Name, timestamped: false);
    }

    public void Put(Windowed<Bytes> session, byte[] value)
    {
        Inner.Put(session, value);
        _changelog!.Log(SessionWindowedSerde<Bytes>.SessionKeyBytes(session.Key.Value, session.Window), value);
    }

    public void Remove(Windowed<Bytes> session)
    {
        Inner.Remove(session);
        _changelog!.Log(SessionWindowedSerde<Bytes>.SessionKeyBytes(session.Key.Value, session.Window), null);
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FindSessions(Bytes key, long earliestSessionEndMs, long latestSessionStartMs)
        => Inner.FindSessions(key, earliestSessionEndMs, latestSessionStartMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes key) => Inner.Fetch(key);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo) => Inner.Fetch(keyFrom, keyTo);

    public void Flush() => Inner.Flush();

    public void Close() => Inner.Close();
}
