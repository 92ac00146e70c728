using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Value getters reading a timestamped key-value store: the view of materialized tables and aggregations.</summary>
internal sealed class StoreValueGetterSupplier<TKey, TValue>(string storeName) : IKTableValueGetterSupplier<TKey, TValue>
{
    public IReadOnlyList<string> StoreNames { get; } = [storeName];

    public IKTableValueGetter<TKey, TValue> Get() => new Getter(storeName);

    private sealed class Getter(string storeName) : IKTableValueGetter<TKey, TValue>
    {
        private ITimestampedKeyValueStore<TKey, TValue>? _store;

        public void Init(Func<string, IStateStore> stores)
            => _store = stores(storeName) as ITimestampedKeyValueStore<TKey, TValue>
                ?? throw new InvalidOperationException($"Store '{storeName}' is not a timestamped key-value store of {typeof(TKey).Name}/{typeof(TValue).Name}.");

        public ValueAndTimestamp<TValue>? Get(TKey key)
            => (_store ?? throw new InvalidOperationException($"The getter of store '{storeName}' was used before Init.")).Get(key);
    }
}
