using Platform.Streams.SerDes;

namespace Platform.Streams.State;

/// <summary>Window and session store factories.</summary>
public static partial class Stores
{
    /// <summary>
    /// An in-memory window byte store keeping windows of <paramref name="windowSize"/> for <paramref name="retentionPeriod"/> of
    /// stream time; with <paramref name="retainDuplicates"/> every value put is kept (as stream-stream joins need).
    /// </summary>
    public static IWindowBytesStoreSupplier InMemoryWindowStore(string name, TimeSpan retentionPeriod, TimeSpan windowSize, bool retainDuplicates = false)
        => new InMemoryWindowBytesStoreSupplier(name, retentionPeriod, windowSize, retainDuplicates);

    /// <summary>An in-memory session byte store keeping sessions for <paramref name="retentionPeriod"/> of stream time after they end.</summary>
    public static ISessionBytesStoreSupplier InMemorySessionStore(string name, TimeSpan retentionPeriod)
        => new InMemorySessionBytesStoreSupplier(name, retentionPeriod);

    /// <summary>A builder of timestamped window stores over <paramref name="supplier"/>; null serdes use the configured defaults.</summary>
    public static IStoreBuilder<ITimestampedWindowStore<TKey, TValue>> TimestampedWindowStoreBuilder<TKey, TValue>(IWindowBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        => new TimestampedWindowStoreBuilder<TKey, TValue>(supplier, keySerde, valueSerde);

    /// <summary>A builder of session stores over <paramref name="supplier"/>; null serdes use the configured defaults.</summary>
    public static IStoreBuilder<ISessionStore<TKey, TValue>> SessionStoreBuilder<TKey, TValue>(ISessionBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        => new SessionStoreBuilder<TKey, TValue>(supplier, keySerde, valueSerde);
}
