namespace Platform.Streams.State.Internal;

/// <summary>
/// A store with a record cache over its other layers. A commit flushes only the cache (its dirty entries go to
/// the changelog and downstream); the store beneath is flushed (for RocksDB: its memtable written out) only
/// before a checkpoint, as Kafka separates the two.
/// </summary>
internal interface ICachedStore
{
    /// <summary>Hands the cache's dirty entries to the layers beneath and to the flush listener, without flushing those layers.</summary>
    void FlushCache();
}
