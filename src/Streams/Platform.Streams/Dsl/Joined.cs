using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl;

/// <summary>
/// Options of a stream-table join (Kafka Streams' <c>Joined</c>): the serdes used if the stream has to be
/// repartitioned before the join (its key changed upstream) and the operator's name, which also names that
/// repartition topic (<c>&lt;application.id&gt;-&lt;name&gt;-repartition</c>).
/// </summary>
public sealed record Joined<TKey, TValue, TOtherValue>
{
    /// <summary>The key serde; null: the upstream one or <c>default.key.serde</c>.</summary>
    public ISerde<TKey>? KeySerde { get; init; }

    /// <summary>The stream's value serde; null: the upstream one or <c>default.value.serde</c>.</summary>
    public ISerde<TValue>? ValueSerde { get; init; }

    /// <summary>The table's value serde; null: the table's own.</summary>
    public ISerde<TOtherValue>? OtherValueSerde { get; init; }

    /// <summary>The join processor's name; null: generated (<c>KSTREAM-JOIN-0000000004</c>).</summary>
    public string? Name { get; init; }

    /// <summary>A copy named <paramref name="name"/>.</summary>
    public Joined<TKey, TValue, TOtherValue> WithName(string name) => this with { Name = Named.As(name).Name };

    /// <summary>A copy with the key serde <paramref name="keySerde"/>.</summary>
    public Joined<TKey, TValue, TOtherValue> WithKeySerde(ISerde<TKey> keySerde) => this with { KeySerde = keySerde };

    /// <summary>A copy with the stream's value serde <paramref name="valueSerde"/>.</summary>
    public Joined<TKey, TValue, TOtherValue> WithValueSerde(ISerde<TValue> valueSerde) => this with { ValueSerde = valueSerde };

    /// <summary>A copy with the table's value serde <paramref name="otherValueSerde"/>.</summary>
    public Joined<TKey, TValue, TOtherValue> WithOtherValueSerde(ISerde<TOtherValue> otherValueSerde) => this with { OtherValueSerde = otherValueSerde };
}

/// <summary>Creates <see cref="Joined{TKey,TValue,TOtherValue}"/> options.</summary>
public static class Joined
{
    /// <summary>Options with these serdes.</summary>
    public static Joined<TKey, TValue, TOtherValue> With<TKey, TValue, TOtherValue>(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, ISerde<TOtherValue>? otherValueSerde = null)
        => new() { KeySerde = keySerde, ValueSerde = valueSerde, OtherValueSerde = otherValueSerde };

    /// <summary>Options naming the join <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not a legal name (see <see cref="Named.As"/>).</exception>
    public static Joined<TKey, TValue, TOtherValue> As<TKey, TValue, TOtherValue>(string name) => new() { Name = Named.As(name).Name };
}
