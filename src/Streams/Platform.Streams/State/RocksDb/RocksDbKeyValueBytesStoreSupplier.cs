namespace Platform.Streams.State.RocksDb;

/// <summary>Makes RocksDB-backed bytes stores (one database per task), for <see cref="Stores.PersistentKeyValueStore"/>.</summary>
public sealed class RocksDbKeyValueBytesStoreSupplier : IKeyValueBytesStoreSupplier
{
    /// <summary>A supplier of stores called <paramref name="name"/>.</summary>
    public RocksDbKeyValueBytesStoreSupplier(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string MetricsScope => "rocksdb";

    /// <inheritdoc/>
    public IKeyValueStore<Bytes, byte[]> Get() => new RocksDbKeyValueStore(Name);
}
