using Platform.Streams.State.RocksDb;

namespace Platform.Streams.State;

// Persistent stores: RocksDB databases under state.dir, checkpointed so a restart replays only the changelog's tail.
public static partial class Stores
{
    /// <summary>
    /// A persistent key-value store on RocksDB (Kafka's default for <c>Materialized</c> stores): its data survives
    /// restarts in <c>&lt;state.dir&gt;/&lt;application.id&gt;/&lt;task&gt;/rocksdb/&lt;name&gt;</c>.
    /// </summary>
    public static IKeyValueBytesStoreSupplier PersistentKeyValueStore(string name) => new RocksDbKeyValueBytesStoreSupplier(name);
}
