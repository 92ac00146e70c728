using System.Text.Json.Nodes;
using Platform.Client.Groups;
using Platform.Connect.Data;

namespace Platform.Connect.Cluster;

/// <summary>
/// The "connect" protocol of the workers' group. Members send their worker id, REST URL and instance id as
/// subscription user data; the leader hands every member the full, ordered member list in its assignment's user
/// data (no partitions). Eager: every membership change is a full rebalance, after which each worker reconciles
/// what it runs with <see cref="ClusterAssignment.OwnerOf"/>.
/// </summary>
public sealed class ConnectAssignor : IPartitionAssignor
{
    private readonly WorkerInfo _self;

    /// <summary>The assignor of the worker <paramref name="self"/>.</summary>
    public ConnectAssignor(WorkerInfo self) => _self = self;

    /// <summary>Raised on the membership thread with each new assignment.</summary>
    public event Action<ClusterAssignment>? Assigned;

    /// <inheritdoc/>
    public string Name => "connect";

    /// <inheritdoc/>
    public RebalanceProtocol Protocol => RebalanceProtocol.Eager;

    /// <inheritdoc/>
    public byte[]? SubscriptionUserData(IReadOnlyCollection<Client.TopicPartition> ownedPartitions, int generationId)
    {
        return SchemalessJson.ToUtf8Bytes(Encode(_self));
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, MemberAssignment> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyDictionary<string, MemberSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var members = subscriptions
            .Select(s => Decode(s.Value.UserData is { } data ? JsonNode.Parse(data) : null) ?? new WorkerInfo(s.Key, "", s.Key))
            .OrderBy(w => w.WorkerId, StringComparer.Ordinal)
            .ThenBy(w => w.Instance, StringComparer.Ordinal)
            .ToList();
        var list = new JsonArray([.. members.Select(Encode)]);
        var userData = SchemalessJson.ToUtf8Bytes(new JsonObject { ["members"] = list });
        return subscriptions.Keys.ToDictionary(m => m, _ => new MemberAssignment([], userData), StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public void OnAssignment(MemberAssignment assignment, int generationId)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var members = assignment.UserData is { } data && JsonNode.Parse(data)?["members"] is JsonArray array
            ? array.Select(Decode).OfType<WorkerInfo>().ToList()
            : [];
        Assigned?.Invoke(new ClusterAssignment(generationId, members, members.FindIndex(m => m.Instance == _self.Instance)));
    }

    private static JsonObject Encode(WorkerInfo worker) => new()
    {
        ["worker_id"] = worker.WorkerId,
        ["url"] = worker.Url,
        ["instance"] = worker.Instance,
    };

    private static WorkerInfo? Decode(JsonNode? node)
        => node?["worker_id"]?.GetValue<string>() is { } id
            ? new WorkerInfo(id, node["url"]?.GetValue<string>() ?? "", node["instance"]?.GetValue<string>() ?? id)
            : null;
}
