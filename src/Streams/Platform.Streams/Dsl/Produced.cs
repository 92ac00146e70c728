using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl;

/// <summary>Options of <c>To</c>: serdes of the written records, the partitioner and the sink's name.</summary>
public sealed record Produced<TKey, TValue>
{
    /// <summary>The key serde; null: the upstream one or <c>default.key.serde</c>.</summary>
    public ISerde<TKey>? KeySerde { get; init; }

    /// <summary>The value serde; null: the upstream one or <c>default.value.serde</c>.</summary>
    public ISerde<TValue>? ValueSerde { get; init; }

    /// <summary>Chooses each record's partition; null: the producer's default.</summary>
    public IStreamPartitioner<TKey, TValue>? Partitioner { get; init; }

    /// <summary>The sink's name; null: generated (<c>KSTREAM-SINK-...</c>).</summary>
    public string? ProcessorName { get; init; }

    /// <summary>A copy with the key serde <paramref name="keySerde"/>.</summary>
    public Produced<TKey, TValue> WithKeySerde(ISerde<TKey> keySerde) => this with { KeySerde = keySerde };

    /// <summary>A copy with the value serde <paramref name="valueSerde"/>.</summary>
    public Produced<TKey, TValue> WithValueSerde(ISerde<TValue> valueSerde) => this with { ValueSerde = valueSerde };

    /// <summary>A copy with the partitioner <paramref name="partitioner"/>.</summary>
    public Produced<TKey, TValue> WithStreamPartitioner(IStreamPartitioner<TKey, TValue> partitioner) => this with { Partitioner = partitioner };

    /// <summary>A copy whose sink is named <paramref name="name"/>.</summary>
    public Produced<TKey, TValue> WithName(string name) => this with { ProcessorName = Named.Validate(name) };
}

/// <summary>Factories of <see cref="Produced{TKey,TValue}"/> that infer the types from the serdes.</summary>
public static class Produced
{
    /// <summary>Produced with these serdes.</summary>
    public static Produced<TKey, TValue> With<TKey, TValue>(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde) => new() { KeySerde = keySerde, ValueSerde = valueSerde };

    /// <summary>Produced by a sink named <paramref name="name"/>.</summary>
    public static Produced<TKey, TValue> As<TKey, TValue>(string name) => new() { ProcessorName = Named.Validate(name) };
}
