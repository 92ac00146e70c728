using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>Supplies in-memory byte stores (sorted by key bytes); their contents come back from the changelog after a restart.</summary>
public sealed class InMemoryKeyValueBytesStoreSupplier : IKeyValueBytesStoreSupplier
{
    /// <summary>A supplier of stores named <paramref name="name"/>.</summary>
    public InMemoryKeyValueBytesStoreSupplier(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string MetricsScope => "in-memory";

    /// <inheritdoc/>
    public IKeyValueStore<Bytes, byte[]> Get() => new InMemoryKeyValueStore(Name);
}
