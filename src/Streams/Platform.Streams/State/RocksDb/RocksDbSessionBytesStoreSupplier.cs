namespace Platform.Streams.State.RocksDb;

/// <summary>Makes segmented RocksDB session byte stores (one database per task), for <see cref="Stores.PersistentSessionStore"/>.</summary>
public sealed class RocksDbSessionBytesStoreSupplier : ISessionBytesStoreSupplier
{
    /// <summary>A supplier of stores named <paramref name="name"/> keeping sessions for <paramref name="retentionPeriod"/> of stream time after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The retention is negative or not a whole number of ms.</exception>
    public RocksDbSessionBytesStoreSupplier(string name, TimeSpan retentionPeriod)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        RetentionPeriodMs = Dsl.WindowDurations.ToMs(retentionPeriod, nameof(retentionPeriod));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public long RetentionPeriodMs { get; }

    /// <inheritdoc/>
    public ISessionStore<Bytes, byte[]> Get() => new RocksDbSessionStore(Name, RetentionPeriodMs);
}
