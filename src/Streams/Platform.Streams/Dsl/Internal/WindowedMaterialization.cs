using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The stores of windowed aggregations from their <see cref="Materialized{TKey,TValue}"/>: retention (given, or
/// the windows' size + grace), checked against the least the windows need; changelog <c>compact,delete</c> with
/// <c>retention.ms</c> = retention + <c>windowstore.changelog.additional.retention.ms</c>, as Kafka creates it.
/// </summary>
internal static class WindowedMaterialization
{
    /// <summary>The store's retention in ms.</summary>
    /// <exception cref="ArgumentException">A given retention is below <paramref name="minimumMs"/>.</exception>
    public static long RetentionMs<TKey, TValue>(MaterializedInternal<TKey, TValue> store, long minimumMs, string windowsDescription)
    {
        if (store.Options.Retention is not { } retention)
        {
            return minimumMs;
        }

        var retentionMs = WindowDurations.ToMs(retention, "retention");
        return retentionMs >= minimumMs
            ? retentionMs
            : throw new ArgumentException($"The retention of store '{store.StoreName}' ({retentionMs} ms) must be at least the window size plus the grace period ({minimumMs} ms) of {windowsDescription}.");
    }

    public static IStoreBuilder TimestampedWindowStore<TKey, TValue>(MaterializedInternal<TKey, TValue> store, StreamsConfig config, long retentionMs, long windowSizeMs)
    {
        var retention = TimeSpan.FromMilliseconds(retentionMs);
        var size = TimeSpan.FromMilliseconds(windowSizeMs);
        var supplier = store.InMemory(config)
            ? Stores.InMemoryWindowStore(store.StoreName, retention, size)
            : Stores.PersistentTimestampedWindowStore(store.StoreName, retention, size);
        return Configure(Stores.TimestampedWindowStoreBuilder(supplier, store.KeySerde, store.ValueSerde), store.Options, config, retentionMs);
    }

    public static IStoreBuilder SessionStore<TKey, TValue>(MaterializedInternal<TKey, TValue> store, StreamsConfig config, long retentionMs)
    {
        var supplier = store.InMemory(config)
            ? Stores.InMemorySessionStore(store.StoreName, TimeSpan.FromMilliseconds(retentionMs))
            : Stores.PersistentSessionStore(store.StoreName, TimeSpan.FromMilliseconds(retentionMs));
        return Configure(Stores.SessionStoreBuilder(supplier, store.KeySerde, store.ValueSerde), store.Options, config, retentionMs);
    }

    private static IStoreBuilder Configure<TStore, TKey, TValue>(IStoreBuilder<TStore> builder, Materialized<TKey, TValue> options, StreamsConfig config, long retentionMs)
        where TStore : IStateStore
    {
        builder = options.CachingEnabled ? builder.WithCachingEnabled() : builder.WithCachingDisabled();
        if (!options.LoggingEnabled)
        {
            return builder.WithLoggingDisabled();
        }

        var additional = config.GetLong(StreamsConfig.WindowStoreChangelogAdditionalRetentionMsConfig);
        var topicConfig = WindowedChangelogConfig.For(retentionMs > long.MaxValue - additional ? long.MaxValue : retentionMs + additional);
        foreach (var (key, value) in options.LogConfig)
        {
            topicConfig[key] = value;
        }

        return builder.WithLoggingEnabled(topicConfig);
    }
}
