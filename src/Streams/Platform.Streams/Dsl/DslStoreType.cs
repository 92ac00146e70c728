namespace Platform.Streams.Dsl;

/// <summary>The kind of store a DSL operator builds (Kafka's <c>default.dsl.store</c>: <c>rocksDB</c> or <c>in_memory</c>).</summary>
public enum DslStoreType
{
    /// <summary>On disk (RocksDB), restored from the local files plus the changelog's tail.</summary>
    Persistent,

    /// <summary>In memory, restored from the whole changelog.</summary>
    InMemory,
}
