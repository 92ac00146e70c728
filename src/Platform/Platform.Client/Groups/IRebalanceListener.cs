namespace Platform.Client.Groups;

/// <summary>What the member tells its consumer during a rebalance; called on the polling thread.</summary>
internal interface IRebalanceListener
{
    /// <summary>Partitions are taken away in an orderly way: commit their progress now.</summary>
    void OnRevoked(IReadOnlyList<TopicPartition> revoked);

    /// <summary>Partitions were given: <paramref name="added"/> are new, <paramref name="assignment"/> is all owned now.</summary>
    void OnAssigned(IReadOnlyList<TopicPartition> added, IReadOnlyList<TopicPartition> assignment);

    /// <summary>Partitions were lost (session expired, fenced): others may already own them, so do not commit.</summary>
    void OnLost(IReadOnlyList<TopicPartition> lost);
}
