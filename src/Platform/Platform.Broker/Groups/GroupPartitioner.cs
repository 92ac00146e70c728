namespace Platform.Broker.Groups;

/// <summary>
/// Maps a group id to its <c>__consumer_offsets</c> partition exactly as Kafka does,
/// <c>Utils.abs(groupId.hashCode()) % partitionCount</c>, so a data directory moved between
/// Kafka and this broker keeps every group on the same partition.
/// </summary>
public static class GroupPartitioner
{
    public static int PartitionFor(string groupId, int partitionCount) => Abs(JavaHashCode(groupId)) % partitionCount;

    /// <summary>Java's <c>String.hashCode</c>: <c>s[0]*31^(n-1) + ... + s[n-1]</c> over UTF-16 code units, wrapping at 32 bits.</summary>
    public static int JavaHashCode(string value)
    {
        var hash = 0;
        foreach (var c in value)
        {
            hash = unchecked((31 * hash) + c);
        }

        return hash;
    }

    /// <summary>Kafka's <c>Utils.abs</c>: like <c>Math.abs</c>, but <see cref="int.MinValue"/> maps to 0 instead of staying negative.</summary>
    public static int Abs(int value) => value == int.MinValue ? 0 : Math.Abs(value);
}
