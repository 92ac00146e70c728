using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>The byte stores under the joins' own stores (window buffers, outer-join store, subscription store).</summary>
internal static class JoinStoreSuppliers
{
    /// <summary>
    /// The byte store for <paramref name="name"/>: persistent (RocksDB) unless <paramref name="storeType"/>, else
    /// <c>default.dsl.store</c>, asks for memory, as every DSL store.
    /// </summary>
    public static IKeyValueBytesStoreSupplier KeyValue(string name, StreamsConfig config, DslStoreType? storeType = null)
        => DslStores.IsInMemory(storeType, config) ? Stores.InMemoryKeyValueStore(name) : Stores.PersistentKeyValueStore(name);
}
