namespace Platform.Client.Groups;

/// <summary>How a group moves partitions between members during a rebalance.</summary>
public enum RebalanceProtocol
{
    /// <summary>Every member gives up all its partitions before joining; the new assignment starts from nothing.</summary>
    Eager,

    /// <summary>
    /// Members keep their partitions while the group rebalances and give up only those that move,
    /// which are then handed out in a second, immediate rebalance (incremental, KIP-429).
    /// </summary>
    Cooperative,
}
