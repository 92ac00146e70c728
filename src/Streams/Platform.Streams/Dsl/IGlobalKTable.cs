namespace Platform.Streams.Dsl;

/// <summary>
/// A table replicated in full to every instance (Kafka Streams' <c>GlobalKTable</c>): read from all partitions
/// of its topic by a global thread, usable in joins without co-partitioning.
/// </summary>
public partial interface IGlobalKTable<TKey, TValue>
{
    /// <summary>The name the table's store can be queried under.</summary>
    string? QueryableStoreName { get; }
}
