using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>Supplies in-memory session byte stores; their contents come back from the changelog after a restart.</summary>
public sealed class InMemorySessionBytesStoreSupplier : ISessionBytesStoreSupplier
{
    /// <summary>A supplier of stores named <paramref name="name"/> keeping sessions for <paramref name="retentionPeriod"/> after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The retention is negative or not a whole number of ms.</exception>
    public InMemorySessionBytesStoreSupplier(string name, TimeSpan retentionPeriod)
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
    public ISessionStore<Bytes, byte[]> Get() => new InMemorySessionStore(Name, RetentionPeriodMs);
}
