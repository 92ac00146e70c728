using System.Text.Json.Serialization;

namespace Platform.Cluster;

/// <summary>A live broker as registered in etcd under its lease (the role of ZooKeeper's <c>/brokers/ids/N</c>).</summary>
public sealed record BrokerRegistration(int Id, string Host, int Port, string? Rack = null);

/// <summary>
/// A topic's replica assignment, written once by the controller when the topic is created and changed
/// only by reassignment or CreatePartitions: <see cref="Replicas"/>[p] lists partition p's replicas in
/// preference order (the first is the preferred leader).
/// </summary>
public sealed record TopicAssignment(Guid TopicId, int[][] Replicas, IReadOnlyDictionary<string, string>? Configs = null);

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
internal sealed partial class ClusterJsonContext : JsonSerializerContext;

/// <summary>The value of the controller key: which broker holds it.</summary>
internal sealed record ControllerRecord(int BrokerId);
