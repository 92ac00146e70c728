using Platform.Streams.Processors;

namespace Platform.Streams.Dsl;

/// <summary>
/// Options of a foreign-key table-table join (Kafka Streams' <c>TableJoined</c>): the name its processors,
/// stores and internal topics are derived from (<c>&lt;application.id&gt;-&lt;name&gt;-subscription-registration-topic</c>,
/// <c>-subscription-response-topic</c>), and partitioners for those topics when the tables' topics are not
/// partitioned by the default partitioner. A partitioner is given the record's key; its value is the join's
/// internal message.
/// </summary>
public sealed record TableJoined<TKey, TForeignKey>
{
    /// <summary>The base name; null: generated (<c>KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006</c>...).</summary>
    public string? Name { get; init; }

    /// <summary>Partitions responses by the left key as the left table's topic is partitioned; null: the default partitioner.</summary>
    public IStreamPartitioner<TKey, object?>? Partitioner { get; init; }

    /// <summary>Partitions subscriptions by foreign key as the foreign table's topic is partitioned; null: the default partitioner.</summary>
    public IStreamPartitioner<TForeignKey, object?>? OtherPartitioner { get; init; }

    /// <summary>A copy named <paramref name="name"/>.</summary>
    public TableJoined<TKey, TForeignKey> WithName(string name) => this with { Name = Named.As(name).Name };
}

/// <summary>Creates <see cref="TableJoined{TKey,TForeignKey}"/> options.</summary>
public static class TableJoined
{
    /// <summary>Options naming the join <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not a legal name (see <see cref="Named.As"/>).</exception>
    public static TableJoined<TKey, TForeignKey> As<TKey, TForeignKey>(string name) => new() { Name = Named.As(name).Name };

    /// <summary>Options with these partitioners.</summary>
    public static TableJoined<TKey, TForeignKey> With<TKey, TForeignKey>(IStreamPartitioner<TKey, object?>? partitioner, IStreamPartitioner<TForeignKey, object?>? otherPartitioner)
        => new() { Partitioner = partitioner, OtherPartitioner = otherPartitioner };
}
