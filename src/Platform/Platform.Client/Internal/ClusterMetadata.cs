using Platform.Client.Network;

namespace Platform.Client.Internal;

/// <summary>
/// An immutable snapshot of what the cluster said in the last Metadata response: brokers, the
/// controller and the tracked topics. Replaced as a whole on every refresh, so readers never lock.
/// </summary>
internal sealed class ClusterMetadata(
    long version,
    long updatedAtTicks,
    string? clusterId,
    int controllerId,
    IReadOnlyDictionary<int, BrokerAddress> nodes,
    IReadOnlyDictionary<string, TopicInfo> topics)
{
    public static readonly ClusterMetadata Empty = new(0, 0, null, -1, new Dictionary<int, BrokerAddress>(), new Dictionary<string, TopicInfo>());

    /// <summary>Increases with every refresh; waiters compare it to know that an answer arrived.</summary>
    public long Version { get; } = version;

    /// <summary>When the snapshot was taken (<see cref="Environment.TickCount64"/>, ms).</summary>
    public long UpdatedAtTicks { get; } = updatedAtTicks;

    public string? ClusterId { get; } = clusterId;

    public int ControllerId { get; } = controllerId;

    public IReadOnlyDictionary<int, BrokerAddress> Nodes { get; } = nodes;

    public IReadOnlyDictionary<string, TopicInfo> Topics { get; } = topics;
}
