using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl;

/// <summary>
/// Options of <c>GroupBy</c>/<c>GroupByKey</c>: the serdes of the grouped records (used by the repartition
/// topic when the key changed) and the name that the repartition topic and its processors are derived from.
/// </summary>
public sealed record Grouped<TKey, TValue>
{
    /// <summary>The name of the repartition topic (<c>&lt;application.id&gt;-&lt;name&gt;-repartition</c>) and its processors; null: derived from the store's name.</summary>
    public string? Name { get; init; }

    /// <summary>The key serde; null: the upstream one or <c>default.key.serde</c>.</summary>
    public ISerde<TKey>? KeySerde { get; init; }

    /// <summary>The value serde; null: the upstream one or <c>default.value.serde</c>.</summary>
    public ISerde<TValue>? ValueSerde { get; init; }

    /// <summary>A copy with the name <paramref name="name"/>.</summary>
    public Grouped<TKey, TValue> WithName(string name) => this with { Name = Named.Validate(name) };

    /// <summary>A copy with the key serde <paramref name="keySerde"/>.</summary>
    public Grouped<TKey, TValue> WithKeySerde(ISerde<TKey> keySerde) => this with { KeySerde = keySerde };

    /// <summary>A copy with the value serde <paramref name="valueSerde"/>.</summary>
    public Grouped<TKey, TValue> WithValueSerde(ISerde<TValue> valueSerde) => this with { ValueSerde = valueSerde };
}

/// <summary>Factories of <see cref="Grouped{TKey,TValue}"/>.</summary>
public static class Grouped
{
    /// <summary>Grouped with the name <paramref name="name"/>.</summary>
    public static Grouped<TKey, TValue> As<TKey, TValue>(string name) => new() { Name = Named.Validate(name) };

    /// <summary>Grouped with these serdes.</summary>
    public static Grouped<TKey, TValue> With<TKey, TValue>(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde) => new() { KeySerde = keySerde, ValueSerde = valueSerde };
}
