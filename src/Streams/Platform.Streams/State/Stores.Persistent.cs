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

    /// <summary>
    /// A persistent window store on RocksDB keeping windows of <paramref name="windowSize"/> for <paramref name="retentionPeriod"/>
    /// of stream time, in time segments of max(retention / 2, 60 s) dropped whole once expired; with <paramref name="retainDuplicates"/>
    /// every value put is kept (as stream-stream joins need).
    /// </summary>
    public static IWindowBytesStoreSupplier PersistentWindowStore(string name, TimeSpan retentionPeriod, TimeSpan windowSize, bool retainDuplicates = false)
        => new RocksDbWindowBytesStoreSupplier(name, retentionPeriod, windowSize, retainDuplicates);

    /// <summary>
    /// A persistent window store for <see cref="TimestampedWindowStoreBuilder{TKey,TValue}"/> (the DSL's windowed aggregations):
    /// the same byte store as <see cref="PersistentWindowStore"/>, whose values the builder's layers prefix with the record timestamp.
    /// </summary>
    public static IWindowBytesStoreSupplier PersistentTimestampedWindowStore(string name, TimeSpan retentionPeriod, TimeSpan windowSize)
        => new RocksDbWindowBytesStoreSupplier(name, retentionPeriod, windowSize);

    /// <summary>A persistent session store on RocksDB keeping sessions for <paramref name="retentionPeriod"/> of stream time after they end, in time segments.</summary>
    public static ISessionBytesStoreSupplier PersistentSessionStore(string name, TimeSpan retentionPeriod)
        => new RocksDbSessionBytesStoreSupplier(name, retentionPeriod);
}
