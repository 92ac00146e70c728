using Platform.Protocol.Messages;

namespace Platform.Client.Groups;

/// <summary>The parts of an OffsetCommit request and response that the consumer and the admin client share.</summary>
internal static class OffsetCommits
{
    /// <summary>The request's topics: <paramref name="offsets"/> grouped by topic, with their leader epochs (KIP-320), without commit timestamp.</summary>
    public static List<OffsetCommitRequest.OffsetCommitRequestTopic> Topics(IEnumerable<TopicPartitionOffset> offsets)
        => [.. offsets.GroupBy(o => o.Topic).Select(t => new OffsetCommitRequest.OffsetCommitRequestTopic
        {
            Name = t.Key,
            Partitions = [.. t.Select(o => new OffsetCommitRequest.OffsetCommitRequestPartition
            {
                PartitionIndex = o.Partition,
                CommittedOffset = o.Offset.Value,
                CommittedLeaderEpoch = o.LeaderEpoch ?? -1,
                CommitTimestamp = -1,
            })],
        })];

    /// <summary>The first partition error of a response (0 when none), for the coordinator lookup to react to.</summary>
    public static short FirstError(OffsetCommitResponse response)
        => response.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(c => c != 0);
}
