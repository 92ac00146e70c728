using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Value getters of a windowed aggregation's table: a windowed key's aggregate from the timestamped window store.</summary>
internal sealed class WindowStoreValueGetterSupplier<TKey, TValue>(string storeName) : IKTableValueGetterSupplier<Windowed<TKey>, TValue>
{
    public IReadOnlyList<string> StoreNames { get; } = [storeName];

    public IKTableValueGetter<Windowed<TKey>, TValue> Get() => new Getter(storeName);

    private sealed class Getter(string storeName) : IKTableValueGetter<Windowed<TKey>, TValue>
    {
        private ITimestampedWindowStore<TKey, TValue>? _store;

        public void Init(Func<string, IStateStore> stores)
            => _store = stores(storeName) as ITimestampedWindowStore<TKey, TValue>
                ?? throw new InvalidOperationException($"Store '{storeName}' is not a timestamped window store of {typeof(TKey).Name}/{typeof(TValue).Name}.");

        public ValueAndTimestamp<TValue>? Get(Windowed<TKey> key)
            => (_store ?? throw new InvalidOperationException($"The getter of store '{storeName}' was used before Init.")).Fetch(key.Key, key.Window.StartMs);
    }
}
