using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Value getters of a session aggregation's table: a session's aggregate, stamped with the session end.</summary>
internal sealed class SessionStoreValueGetterSupplier<TKey, TValue>(string storeName) : IKTableValueGetterSupplier<Windowed<TKey>, TValue>
{
    public IReadOnlyList<string> StoreNames { get; } = [storeName];

    public IKTableValueGetter<Windowed<TKey>, TValue> Get() => new Getter(storeName);

    private sealed class Getter(string storeName) : IKTableValueGetter<Windowed<TKey>, TValue>
    {
        private ISessionStore<TKey, TValue>? _store;

        public void Init(Func<string, IStateStore> stores)
            => _store = stores(storeName) as ISessionStore<TKey, TValue>
                ?? throw new InvalidOperationException($"Store '{storeName}' is not a session store of {typeof(TKey).Name}/{typeof(TValue).Name}.");

        public ValueAndTimestamp<TValue>? Get(Windowed<TKey> key)
        {
            var store = _store ?? throw new InvalidOperationException($"The getter of store '{storeName}' was used before Init.");
            foreach (var (session, value) in store.FindSessions(key.Key, key.Window.EndMs, key.Window.StartMs))
            {
                if (session.Window == key.Window)
                {
                    return new ValueAndTimestamp<TValue>(value, session.Window.EndMs);
                }
            }

            return null;
        }
    }
}
