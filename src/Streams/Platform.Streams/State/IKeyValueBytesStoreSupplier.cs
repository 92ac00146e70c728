namespace Platform.Streams.State;

/// <summary>Makes the innermost byte store of a key-value store (in memory, or persistent on disk).</summary>
public interface IKeyValueBytesStoreSupplier
{
    /// <summary>The store's name.</summary>
    string Name { get; }

    /// <summary>A new store for one task: keys are serialized keys, values serialized values.</summary>
    IKeyValueStore<Bytes, byte[]> Get();

    /// <summary>Prefix of the metrics scope (<c>in-memory</c>, <c>rocksdb</c>).</summary>
    string MetricsScope { get; }
}
