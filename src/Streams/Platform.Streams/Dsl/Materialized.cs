using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl;

/// <summary>
/// Options of the store behind a stateful operator (an aggregation, a materialized table): its name (which
/// makes it queryable and names its changelog <c>&lt;application.id&gt;-&lt;name&gt;-changelog</c>), serdes,
/// kind (persistent by default, as in Kafka Streams), record cache and changelog settings.
/// </summary>
public sealed record Materialized<TKey, TValue>
{
    /// <summary>The store's name; null: generated (<c>KSTREAM-AGGREGATE-STATE-STORE-0000000002</c>), and the store is not queryable.</summary>
    public string? StoreName { get; init; }

    /// <summary>The key serde; null: the upstream one or <c>default.key.serde</c>.</summary>
    public ISerde<TKey>? KeySerde { get; init; }

    /// <summary>The value serde; null: the upstream one (when the value type is unchanged) or <c>default.value.serde</c>.</summary>
    public ISerde<TValue>? ValueSerde { get; init; }

    /// <summary>The kind of store; null: <c>default.dsl.store</c> (persistent unless set to <c>in_memory</c>).</summary>
    public DslStoreType? StoreType { get; init; }

    /// <summary>Whether updates go through the record cache (dedupe per commit interval); on by default.</summary>
    public bool CachingEnabled { get; init; } = true;

    /// <summary>Whether the store has a changelog topic; on by default.</summary>
    public bool LoggingEnabled { get; init; } = true;

    /// <summary>Topic configs of the changelog.</summary>
    public IReadOnlyDictionary<string, string> LogConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>How long a window or session store keeps data; null: the windows' size plus grace (at least a day for windows, as in Kafka).</summary>
    public TimeSpan? Retention { get; init; }

    /// <summary>A copy with the key serde <paramref name="keySerde"/>.</summary>
    public Materialized<TKey, TValue> WithKeySerde(ISerde<TKey> keySerde) => this with { KeySerde = keySerde };

    /// <summary>A copy with the value serde <paramref name="valueSerde"/>.</summary>
    public Materialized<TKey, TValue> WithValueSerde(ISerde<TValue> valueSerde) => this with { ValueSerde = valueSerde };

    /// <summary>A copy with the store kind <paramref name="storeType"/>.</summary>
    public Materialized<TKey, TValue> WithStoreType(DslStoreType storeType) => this with { StoreType = storeType };

    /// <summary>A copy whose updates go through the record cache.</summary>
    public Materialized<TKey, TValue> WithCachingEnabled() => this with { CachingEnabled = true };

    /// <summary>A copy that writes through (every update is forwarded at once).</summary>
    public Materialized<TKey, TValue> WithCachingDisabled() => this with { CachingEnabled = false };

    /// <summary>A copy with a changelog topic configured with <paramref name="config"/>.</summary>
    public Materialized<TKey, TValue> WithLoggingEnabled(IReadOnlyDictionary<string, string>? config = null)
        => this with { LoggingEnabled = true, LogConfig = config ?? new Dictionary<string, string>() };

    /// <summary>A copy without a changelog topic (not restored after a failure).</summary>
    public Materialized<TKey, TValue> WithLoggingDisabled() => this with { LoggingEnabled = false };

    /// <summary>A copy that keeps windows or sessions for <paramref name="retention"/>.</summary>
    public Materialized<TKey, TValue> WithRetention(TimeSpan retention)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.Zero);
        return this with { Retention = retention };
    }
}

/// <summary>Factories of <see cref="Materialized{TKey,TValue}"/>.</summary>
public static class Materialized
{
    /// <summary>A store named <paramref name="storeName"/>, queryable under that name.</summary>
    public static Materialized<TKey, TValue> As<TKey, TValue>(string storeName) => new() { StoreName = Named.Validate(storeName) };

    /// <summary>A store of kind <paramref name="storeType"/> with a generated name.</summary>
    public static Materialized<TKey, TValue> As<TKey, TValue>(DslStoreType storeType) => new() { StoreType = storeType };

    /// <summary>A store with these serdes and a generated name.</summary>
    public static Materialized<TKey, TValue> With<TKey, TValue>(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde) => new() { KeySerde = keySerde, ValueSerde = valueSerde };
}
