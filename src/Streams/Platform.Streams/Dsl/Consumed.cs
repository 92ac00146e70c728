using Platform.Client;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl;

/// <summary>
/// Options of a source (<c>Stream</c>, <c>Table</c>, <c>GlobalTable</c>): serdes of the topic's records, where
/// each record's timestamp comes from (the record's own by default), where to start without a committed offset,
/// and the source's name.
/// </summary>
public sealed record Consumed<TKey, TValue>
{
    /// <summary>The key serde; null: <c>default.key.serde</c>.</summary>
    public ISerde<TKey>? KeySerde { get; init; }

    /// <summary>The value serde; null: <c>default.value.serde</c>.</summary>
    public ISerde<TValue>? ValueSerde { get; init; }

    /// <summary>Where each record's timestamp comes from; null: <c>default.timestamp.extractor</c> (the record's own timestamp).</summary>
    public ITimestampExtractor? TimestampExtractor { get; init; }

    /// <summary>Where a partition without a committed offset starts; null: <c>auto.offset.reset</c> (earliest, as in Kafka Streams).</summary>
    public AutoOffsetReset? OffsetReset { get; init; }

    /// <summary>The source's name; null: generated (<c>KSTREAM-SOURCE-...</c>).</summary>
    public string? ProcessorName { get; init; }

    /// <summary>A copy with the key serde <paramref name="keySerde"/>.</summary>
    public Consumed<TKey, TValue> WithKeySerde(ISerde<TKey> keySerde) => this with { KeySerde = keySerde };

    /// <summary>A copy with the value serde <paramref name="valueSerde"/>.</summary>
    public Consumed<TKey, TValue> WithValueSerde(ISerde<TValue> valueSerde) => this with { ValueSerde = valueSerde };

    /// <summary>A copy that takes timestamps from <paramref name="extractor"/>.</summary>
    public Consumed<TKey, TValue> WithTimestampExtractor(ITimestampExtractor extractor) => this with { TimestampExtractor = extractor ?? throw new ArgumentNullException(nameof(extractor)) };

    /// <summary>A copy that starts at <paramref name="offsetReset"/> where no offset is committed.</summary>
    public Consumed<TKey, TValue> WithOffsetResetPolicy(AutoOffsetReset offsetReset) => this with { OffsetReset = offsetReset };

    /// <summary>A copy whose source is named <paramref name="name"/>.</summary>
    public Consumed<TKey, TValue> WithName(string name) => this with { ProcessorName = Named.Validate(name) };
}

/// <summary>Factories of <see cref="Consumed{TKey,TValue}"/> that infer the types from the serdes.</summary>
public static class Consumed
{
    /// <summary>Consumed with these serdes.</summary>
    public static Consumed<TKey, TValue> With<TKey, TValue>(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde) => new() { KeySerde = keySerde, ValueSerde = valueSerde };

    /// <summary>Consumed by a source named <paramref name="name"/>.</summary>
    public static Consumed<TKey, TValue> As<TKey, TValue>(string name) => new() { ProcessorName = Named.Validate(name) };
}
