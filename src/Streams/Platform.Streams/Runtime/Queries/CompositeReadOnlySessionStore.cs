using Platform.Streams.State;

namespace Platform.Streams.Runtime.Queries;

/// <summary>One read-only view over a session store's instances in every local task.</summary>
internal sealed class CompositeReadOnlySessionStore<TKey, TValue>(IReadOnlyList<IReadOnlySessionStore<TKey, TValue>> stores) : IReadOnlySessionStore<TKey, TValue>
{
    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FindSessions(TKey key, long earliestSessionEndMs, long latestSessionStartMs)
        => stores.SelectMany(s => s.FindSessions(key, earliestSessionEndMs, latestSessionStartMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey key) => stores.SelectMany(s => s.Fetch(key));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo) => stores.SelectMany(s => s.Fetch(keyFrom, keyTo));
}
