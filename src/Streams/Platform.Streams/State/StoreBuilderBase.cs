namespace Platform.Streams.State;

/// <summary>What every store builder shares: the name, and the logging and caching switches (both on by default, as in Kafka).</summary>
/// <typeparam name="TStore">The store type built.</typeparam>
public abstract class StoreBuilderBase<TStore> : IStoreBuilder<TStore> where TStore : IStateStore
{
    private Dictionary<string, string> _logConfig = new(StringComparer.Ordinal);

    /// <summary>A builder for the store <paramref name="name"/>.</summary>
    protected StoreBuilderBase(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool LoggingEnabled { get; private set; } = true;

    /// <summary>Whether the record cache is on.</summary>
    public bool CachingEnabled { get; private set; } = true;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> LogConfig => _logConfig;

    /// <inheritdoc/>
    public IStoreBuilder<TStore> WithCachingEnabled()
    {
        CachingEnabled = true;
        return this;
    }

    /// <inheritdoc/>
    public IStoreBuilder<TStore> WithCachingDisabled()
    {
        CachingEnabled = false;
        return this;
    }

    /// <inheritdoc/>
    public IStoreBuilder<TStore> WithLoggingEnabled(IReadOnlyDictionary<string, string>? config = null)
    {
        LoggingEnabled = true;
        _logConfig = config is null ? new(StringComparer.Ordinal) : new(config, StringComparer.Ordinal);
        return this;
    }

    /// <inheritdoc/>
    public IStoreBuilder<TStore> WithLoggingDisabled()
    {
        LoggingEnabled = false;
        _logConfig.Clear();
        return this;
    }

    /// <inheritdoc/>
    public abstract TStore Build();

    /// <inheritdoc/>
    public IStateStore BuildStore() => Build();
}
