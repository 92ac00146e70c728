namespace Platform.Streams.State;

/// <summary>
/// Describes a store for a topology: each task builds its own instance. Logging (a changelog topic) and
/// caching are on by default, as in Kafka Streams.
/// </summary>
public interface IStoreBuilder
{
    /// <summary>The store's name.</summary>
    string Name { get; }

    /// <summary>Whether the store has a changelog topic.</summary>
    bool LoggingEnabled { get; }

    /// <summary>Topic configs for the changelog (e.g. <c>retention.ms</c>).</summary>
    IReadOnlyDictionary<string, string> LogConfig { get; }

    /// <summary>Builds one instance (for one task).</summary>
    IStateStore BuildStore();
}

/// <summary>A typed <see cref="IStoreBuilder"/>.</summary>
public interface IStoreBuilder<out TStore> : IStoreBuilder where TStore : IStateStore
{
    /// <summary>Turns on the record cache (<c>statestore.cache.max.bytes</c>).</summary>
    IStoreBuilder<TStore> WithCachingEnabled();

    /// <summary>Turns off the record cache.</summary>
    IStoreBuilder<TStore> WithCachingDisabled();

    /// <summary>Turns on the changelog with these topic configs.</summary>
    IStoreBuilder<TStore> WithLoggingEnabled(IReadOnlyDictionary<string, string>? config = null);

    /// <summary>Turns off the changelog (the store is not restored after a failure).</summary>
    IStoreBuilder<TStore> WithLoggingDisabled();

    /// <summary>Builds one instance.</summary>
    TStore Build();
}
