namespace Platform.Client;

/// <summary>The built-in partitioners (<c>partitioner</c>); <c>SetPartitioner</c> plugs in a custom one.</summary>
public enum PartitionerType
{
    /// <summary>
    /// <c>murmur2_sticky</c> (default, the Java client's): keyed records go to
    /// <c>toPositive(murmur2(key)) % partitions</c>; records without a key stick to one partition
    /// until <c>batch.size</c> bytes were sent to it, then move on.
    /// </summary>
    Murmur2Sticky = 0,

    /// <summary><c>murmur2_round_robin</c>: murmur2 for keyed records, null keys spread one record per partition in turn.</summary>
    Murmur2RoundRobin = 1,

    /// <summary><c>round_robin</c>: every record to the next partition in turn, keys ignored (Java's RoundRobinPartitioner).</summary>
    RoundRobin = 2,
}
