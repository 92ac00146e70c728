namespace Platform.Streams.State;

/// <summary>Reads of a session store.</summary>
public interface IReadOnlySessionStore<TKey, TValue>
{
    /// <summary>Sessions of <paramref name="key"/> that end at or after <paramref name="earliestSessionEndMs"/> and start at or before <paramref name="latestSessionStartMs"/>.</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FindSessions(TKey key, long earliestSessionEndMs, long latestSessionStartMs);

    /// <summary>Every session of <paramref name="key"/>.</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey key);

    /// <summary>Every session of keys in [<paramref name="keyFrom"/>, <paramref name="keyTo"/>].</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo);
}

/// <summary>A session store: one value per key and session window, kept for its retention period.</summary>
public interface ISessionStore<TKey, TValue> : IStateStore, IReadOnlySessionStore<TKey, TValue>
{
    /// <summary>Sets the value of a session.</summary>
    void Put(Windowed<TKey> session, TValue value);

    /// <summary>Removes a session.</summary>
    void Remove(Windowed<TKey> session);
}
