using Platform.Streams.SerDes;

namespace Platform.Streams.State;

/// <summary>
/// Makes stores for <see cref="Topology.AddStateStore"/> and the DSL's <c>Materialized</c>: pick a byte store
/// supplier (in memory, or persistent), then wrap it in a builder with serdes.
/// </summary>
public static partial class Stores
{
    /// <summary>An in-memory key-value byte store named <paramref name="name"/>.</summary>
    public static IKeyValueBytesStoreSupplier InMemoryKeyValueStore(string name) => new InMemoryKeyValueBytesStoreSupplier(name);

    /// <summary>A builder of key-value stores over <paramref name="supplier"/>; null serdes use the configured defaults.</summary>
    public static IStoreBuilder<IKeyValueStore<TKey, TValue>> KeyValueStoreBuilder<TKey, TValue>(IKeyValueBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        => new KeyValueStoreBuilder<TKey, TValue>(supplier, keySerde, valueSerde);

    /// <summary>A builder of timestamped key-value stores over <paramref name="supplier"/>; null serdes use the configured defaults.</summary>
    public static IStoreBuilder<ITimestampedKeyValueStore<TKey, TValue>> TimestampedKeyValueStoreBuilder<TKey, TValue>(IKeyValueBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        => new TimestampedKeyValueStoreBuilder<TKey, TValue>(supplier, keySerde, valueSerde);
}
