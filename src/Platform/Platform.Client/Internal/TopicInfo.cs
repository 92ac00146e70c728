using Platform.Protocol;

namespace Platform.Client.Internal;

/// <summary>One partition as the last metadata described it.</summary>
/// <param name="Index">Partition index.</param>
/// <param name="LeaderId">Leader's node id, or -1 while there is none.</param>
/// <param name="LeaderEpoch">Leader epoch, or -1 when the broker does not send it.</param>
/// <param name="Error">The partition's error (LEADER_NOT_AVAILABLE, ...), or <see cref="ErrorCode.None"/>.</param>
internal readonly record struct PartitionInfo(int Index, int LeaderId, int LeaderEpoch, ErrorCode Error);

/// <summary>
/// A topic as the last metadata described it: an error (UNKNOWN_TOPIC_OR_PARTITION, ...) or its
/// partitions, sorted by index so that <c>Partitions[i].Index == i</c>.
/// </summary>
internal sealed class TopicInfo(string name, Guid topicId, ErrorCode error, PartitionInfo[] partitions)
{
    public string Name { get; } = name;

    public Guid TopicId { get; } = topicId;

    public ErrorCode Error { get; } = error;

    public PartitionInfo[] Partitions { get; } = partitions;

    /// <summary>Partitions whose leader is known, for choosing among available partitions (sticky, round robin).</summary>
    public int[] AvailablePartitions { get; } = Available(partitions);

    /// <summary>Whether the topic can take records: no topic error and at least one partition.</summary>
    public bool IsUsable => Error == ErrorCode.None && Partitions.Length > 0;

    // A loop, not LINQ over the partitions (a value type): LINQ's code for it is compiled by the JIT in every process.
    private static int[] Available(PartitionInfo[] partitions)
    {
        var count = 0;
        foreach (var partition in partitions)
        {
            count += partition.LeaderId >= 0 ? 1 : 0;
        }

        var available = new int[count];
        count = 0;
        foreach (var partition in partitions)
        {
            if (partition.LeaderId >= 0)
            {
                available[count++] = partition.Index;
            }
        }

        return available;
    }
}
