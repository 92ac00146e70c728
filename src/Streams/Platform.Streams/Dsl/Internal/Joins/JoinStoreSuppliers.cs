using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>The byte stores under the joins' own stores (window buffers, outer-join store, subscription store), persistent unless memory is asked for.</summary>
internal static class JoinStoreSuppliers
{
    /// <summary>
    /// The byte store for <paramref name="name"/>: persistent (RocksDB) unless <paramref name="storeType"/>, else
    /// <c>default.dsl.store</c>, asks for memory, as every DSL store.
    /// </summary>
    public static IKeyValueBytesStoreSupplier KeyValue(string name, StreamsConfig config, DslStoreType? storeType = null)
        => DslStores.IsInMemory(storeType, config) ? Stores.InMemoryKeyValueStore(name) : Stores.PersistentKeyValueStore(name);

    /// <summary>
    /// The window byte store of a stream-stream join side: retaining duplicates, keeping <paramref name="retentionMs"/>
    /// (window size plus grace) of stream time, persistent (segmented RocksDB) unless memory is asked for.
    /// </summary>
    public static IWindowBytesStoreSupplier Window(string name, long retentionMs, long windowSizeMs, StreamsConfig config, DslStoreType? storeType)
    {
        var retention = TimeSpan.FromMilliseconds(retentionMs);
        var size = TimeSpan.FromMilliseconds(windowSizeMs);
        return DslStores.IsInMemory(storeType, config)
            ? Stores.InMemoryWindowStore(name, retention, size, retainDuplicates: true)
            : Stores.PersistentWindowStore(name, retention, size, retainDuplicates: true);
    }
}
