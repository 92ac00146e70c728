namespace Platform.Streams.State.RocksDb;

/// <summary>Makes segmented RocksDB window byte stores (one database per task), for <see cref="Stores.PersistentWindowStore"/>.</summary>
public sealed class RocksDbWindowBytesStoreSupplier : IWindowBytesStoreSupplier
{
    /// <summary>A supplier of stores named <paramref name="name"/> keeping windows of <paramref name="windowSize"/> for <paramref name="retentionPeriod"/> of stream time; with <paramref name="retainDuplicates"/> every value put is kept.</summary>
    /// <exception cref="ArgumentException">The retention is shorter than the window size, or a duration is not a non-negative whole number of ms.</exception>
    public RocksDbWindowBytesStoreSupplier(string name, TimeSpan retentionPeriod, TimeSpan windowSize, bool retainDuplicates = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        RetentionPeriodMs = Dsl.WindowDurations.ToMs(retentionPeriod, nameof(retentionPeriod));
        WindowSizeMs = Dsl.WindowDurations.ToMs(windowSize, nameof(windowSize));
        RetainDuplicates = retainDuplicates;
        if (RetentionPeriodMs < WindowSizeMs)
        {
            throw new ArgumentException($"The retention period of window store '{name}' ({RetentionPeriodMs} ms) must be at least the window size ({WindowSizeMs} ms).", nameof(retentionPeriod));
        }
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public long RetentionPeriodMs { get; }

    /// <inheritdoc/>
    public long WindowSizeMs { get; }

    /// <inheritdoc/>
    public bool RetainDuplicates { get; }

    /// <summary>The time one segment spans: max(retention / 2, 60 s), as in Kafka.</summary>
    public long SegmentIntervalMs => Math.Max(RetentionPeriodMs / 2, 60_000);

    /// <inheritdoc/>
    public IWindowStore<Bytes, byte[]> Get() => new RocksDbWindowStore(Name, RetentionPeriodMs, WindowSizeMs, RetainDuplicates);
}
