using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl;

/// <summary>
/// Options of <c>Repartition</c>: the topic's name (<c>&lt;application.id&gt;-&lt;name&gt;-repartition</c>),
/// its partition count (default: the input's), serdes and partitioner.
/// </summary>
public sealed record Repartitioned<TKey, TValue>
{
    /// <summary>The name the repartition topic and its processors are derived from; null: generated.</summary>
    public string? Name { get; init; }

    /// <summary>The key serde; null: the upstream one or <c>default.key.serde</c>.</summary>
    public ISerde<TKey>? KeySerde { get; init; }

    /// <summary>The value serde; null: the upstream one or <c>default.value.serde</c>.</summary>
    public ISerde<TValue>? ValueSerde { get; init; }

    /// <summary>The topic's partition count; null: the same as the input topics (their largest).</summary>
    public int? NumberOfPartitions { get; init; }

    /// <summary>Chooses the partition of each record; null: the producer's default (murmur2 of the key bytes).</summary>
    public IStreamPartitioner<TKey, TValue>? Partitioner { get; init; }

    /// <summary>A copy with the name <paramref name="name"/>.</summary>
    public Repartitioned<TKey, TValue> WithName(string name) => this with { Name = Named.Validate(name) };

    /// <summary>A copy with <paramref name="partitions"/> partitions.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public Repartitioned<TKey, TValue> WithNumberOfPartitions(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        return this with { NumberOfPartitions = partitions };
    }

    /// <summary>A copy with the key serde <paramref name="keySerde"/>.</summary>
    public Repartitioned<TKey, TValue> WithKeySerde(ISerde<TKey> keySerde) => this with { KeySerde = keySerde };

    /// <summary>A copy with the value serde <paramref name="valueSerde"/>.</summary>
    public Repartitioned<TKey, TValue> WithValueSerde(ISerde<TValue> valueSerde) => this with { ValueSerde = valueSerde };

    /// <summary>A copy with the partitioner <paramref name="partitioner"/>.</summary>
    public Repartitioned<TKey, TValue> WithStreamPartitioner(IStreamPartitioner<TKey, TValue> partitioner) => this with { Partitioner = partitioner };
}

/// <summary>Factories of <see cref="Repartitioned{TKey,TValue}"/>.</summary>
public static class Repartitioned
{
    /// <summary>Repartitioned through a topic named after <paramref name="name"/>.</summary>
    public static Repartitioned<TKey, TValue> As<TKey, TValue>(string name) => new() { Name = Named.Validate(name) };

    /// <summary>Repartitioned with these serdes.</summary>
    public static Repartitioned<TKey, TValue> With<TKey, TValue>(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde) => new() { KeySerde = keySerde, ValueSerde = valueSerde };

    /// <summary>Repartitioned into <paramref name="partitions"/> partitions.</summary>
    public static Repartitioned<TKey, TValue> WithPartitions<TKey, TValue>(int partitions) => new Repartitioned<TKey, TValue>().WithNumberOfPartitions(partitions);
}
