using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>The byte stores under the joins' own stores (window buffers, outer-join store, subscription store).</summary>
internal static class JoinStoreSuppliers
{
    /// <summary>
    /// The byte store for <paramref name="name"/>: persistent unless <c>default.dsl.store</c> is <c>in_memory</c>, as
    /// every DSL store. Persistent (RocksDB) stores are the runtime's; until <see cref="Stores"/> offers them, a
    /// persistent request is served in memory, as the DSL's tables are, which behaves the same within a run
    /// (the changelog restores it either way).
    /// </summary>
    public static IKeyValueBytesStoreSupplier KeyValue(string name, StreamsConfig config)
    {
        _ = config;
        return Stores.InMemoryKeyValueStore(name);
    }
}
