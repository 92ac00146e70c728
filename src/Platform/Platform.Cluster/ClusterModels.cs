using System.Text.Json.Serialization;

namespace Platform.Cluster;

/// <summary>
/// A live broker as registered in etcd under its lease (the role of ZooKeeper's <c>/brokers/ids/N</c>).
/// <see cref="ShuttingDown"/> marks a controlled shutdown in progress: the controller moves its leadership away.
/// <see cref="OfflineReplicas"/> names the replicas whose log went offline here (an I/O error, Kafka's failed log
/// directory): the controller treats the broker as gone for those partitions alone, so their leadership moves to
/// another ISR member and the replica leaves the ISR, until the broker restarts and registers without them.
/// </summary>
public sealed record BrokerRegistration(int Id, string Host, int Port, string? Rack = null, bool ShuttingDown = false, ReplicaRef[]? OfflineReplicas = null)
{
    /// <summary>Whether this broker reports its replica of <paramref name="topic"/>-<paramref name="partition"/> offline (then it may neither lead nor be in the ISR).</summary>
    public bool HasOffline(string topic, int partition) => OfflineReplicas is { } offline && Array.Exists(offline, r => r.Partition == partition && r.Topic == topic);
}

/// <summary>One partition's replica on a broker.</summary>
public sealed record ReplicaRef(string Topic, int Partition);

/// <summary>
/// A topic's replica assignment, written once by the controller when the topic is created and changed
/// only by reassignment or CreatePartitions: <see cref="Replicas"/>[p] lists partition p's replicas in
/// preference order (the first is the preferred leader).
/// </summary>
/// <remarks>
/// While a partition is being reassigned, its replicas are the union of the target and the original ones
/// (target first) and <see cref="Reassignments"/> says which are being added and removed (Kafka's RS = TRS + ORS).
/// </remarks>
public sealed record TopicAssignment(
    Guid TopicId, int[][] Replicas, IReadOnlyDictionary<string, string>? Configs = null, IReadOnlyDictionary<int, Reassignment>? Reassignments = null);

/// <summary>An ongoing move of a partition from <see cref="Original"/> to <see cref="Target"/>: the added replicas catch up, then the removed ones go.</summary>
public sealed record Reassignment(int[] Original, int[] Target)
{
    [JsonIgnore]
    public int[] Adding => [.. Target.Except(Original)];

    [JsonIgnore]
    public int[] Removing => [.. Original.Except(Target)];

    /// <summary>The replicas while it runs: the target first, then the original ones leaving (Kafka's RS = TRS + ORS).</summary>
    [JsonIgnore]
    public int[] Replicas => [.. Target.Concat(Removing)];
}

/// <summary>
/// Who leads a partition and which replicas are in sync. Every change of leader bumps
/// <see cref="LeaderEpoch"/>; every change at all bumps <see cref="PartitionEpoch"/>. A leader of -1 means
/// the partition is offline (no replica of the ISR alive and unclean election off).
/// </summary>
public sealed record PartitionState(int Leader, int LeaderEpoch, int[] Isr, int PartitionEpoch, long ControllerEpoch);

/// <summary>A value read from etcd with the revision it was last modified at: the version a compare-and-swap names.</summary>
public readonly record struct Versioned<T>(T Value, long ModRevision);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BrokerRegistration))]
[JsonSerializable(typeof(TopicAssignment))]
[JsonSerializable(typeof(PartitionState))]
[JsonSerializable(typeof(ControllerRecord))]
[JsonSerializable(typeof(Reassignment))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;

/// <summary>The value of the controller key: which broker holds it.</summary>
internal sealed record ControllerRecord(int BrokerId);
