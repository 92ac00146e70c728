using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>Supplies in-memory window byte stores; their contents come back from the changelog after a restart.</summary>
public sealed class InMemoryWindowBytesStoreSupplier : IWindowBytesStoreSupplier
{
    /// <summary>A supplier of stores named <paramref name="name"/> keeping windows of <paramref name="windowSize"/> for <paramref name="retentionPeriod"/>; with <paramref name="retainDuplicates"/> every value put is kept.</summary>
    /// <exception cref="ArgumentException">The retention is shorter than the window size, or a duration is not a non-negative whole number of ms.</exception>
    public InMemoryWindowBytesStoreSupplier(string name, TimeSpan retentionPeriod, TimeSpan windowSize, bool retainDuplicates = false)
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

    /// <inheritdoc/>
    public IWindowStore<Bytes, byte[]> Get() => new InMemoryWindowStore(Name, RetentionPeriodMs, WindowSizeMs, RetainDuplicates);
}
