using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl;

/// <summary>
/// Options of a stream-stream join (Kafka Streams' <c>StreamJoined</c>): the serdes of both sides' window
/// stores (and of repartition topics if a side's key changed upstream), the operator's name, the base name
/// of the stores (<c>&lt;store name&gt;-this-join-store</c>, <c>-other-join-store</c>,
/// <c>-outer-shared-join-store</c>, each with a changelog), and the changelog settings.
/// </summary>
public sealed record StreamJoined<TKey, TValue, TOtherValue>
{
    /// <summary>The key serde; null: the upstream one or <c>default.key.serde</c>.</summary>
    public ISerde<TKey>? KeySerde { get; init; }

    /// <summary>The left stream's value serde; null: the upstream one or <c>default.value.serde</c>.</summary>
    public ISerde<TValue>? ValueSerde { get; init; }

    /// <summary>The right stream's value serde; null: the upstream one or <c>default.value.serde</c>.</summary>
    public ISerde<TOtherValue>? OtherValueSerde { get; init; }

    /// <summary>The base name of the join's processors (and repartition topics); null: generated.</summary>
    public string? Name { get; init; }

    /// <summary>The base name of the join's stores; null: the generated processor names.</summary>
    public string? StoreName { get; init; }

    /// <summary>The kind of the join's stores; null: <c>default.dsl.store</c> (persistent unless set to <c>in_memory</c>).</summary>
    public DslStoreType? StoreType { get; init; }

    /// <summary>Whether the window stores have changelog topics; on by default.</summary>
    public bool LoggingEnabled { get; init; } = true;

    /// <summary>Topic configs of the changelogs.</summary>
    public IReadOnlyDictionary<string, string> LogConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>A copy whose processors are named after <paramref name="name"/>.</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithName(string name) => this with { Name = Named.As(name).Name };

    /// <summary>A copy whose stores are named after <paramref name="storeName"/>.</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithStoreName(string storeName) => this with { StoreName = Named.As(storeName).Name };

    /// <summary>A copy whose stores are of kind <paramref name="storeType"/>.</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithStoreType(DslStoreType storeType) => this with { StoreType = storeType };

    /// <summary>A copy with the key serde <paramref name="keySerde"/>.</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithKeySerde(ISerde<TKey> keySerde) => this with { KeySerde = keySerde };

    /// <summary>A copy with the left value serde <paramref name="valueSerde"/>.</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithValueSerde(ISerde<TValue> valueSerde) => this with { ValueSerde = valueSerde };

    /// <summary>A copy with the right value serde <paramref name="otherValueSerde"/>.</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithOtherValueSerde(ISerde<TOtherValue> otherValueSerde) => this with { OtherValueSerde = otherValueSerde };

    /// <summary>A copy whose stores have changelogs configured with <paramref name="config"/>.</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithLoggingEnabled(IReadOnlyDictionary<string, string>? config = null)
        => this with { LoggingEnabled = true, LogConfig = config ?? new Dictionary<string, string>() };

    /// <summary>A copy whose stores have no changelog (not restored after a failure).</summary>
    public StreamJoined<TKey, TValue, TOtherValue> WithLoggingDisabled() => this with { LoggingEnabled = false };
}

/// <summary>Creates <see cref="StreamJoined{TKey,TValue,TOtherValue}"/> options.</summary>
public static class StreamJoined
{
    /// <summary>Options with these serdes.</summary>
    public static StreamJoined<TKey, TValue, TOtherValue> With<TKey, TValue, TOtherValue>(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, ISerde<TOtherValue>? otherValueSerde)
        => new() { KeySerde = keySerde, ValueSerde = valueSerde, OtherValueSerde = otherValueSerde };

    /// <summary>Options whose stores are named after <paramref name="storeName"/>.</summary>
    /// <exception cref="ArgumentException">Not a legal name (see <see cref="Named.As"/>).</exception>
    public static StreamJoined<TKey, TValue, TOtherValue> As<TKey, TValue, TOtherValue>(string storeName) => new() { StoreName = Named.As(storeName).Name };
}
