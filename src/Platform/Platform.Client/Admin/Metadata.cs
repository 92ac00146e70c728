namespace Platform.Client.Admin;

/// <summary>The cluster as one broker saw it in a Metadata response.</summary>
/// <param name="Brokers">The live brokers.</param>
/// <param name="Topics">The topics asked for (all topics when none were named).</param>
/// <param name="ClusterId">Cluster id, if the broker reports one.</param>
/// <param name="ControllerId">Id of the controller (or the broker admin requests go to), -1 when unknown.</param>
/// <param name="OriginatingBrokerId">Id of the broker that answered, -1 when unknown.</param>
/// <param name="OriginatingBrokerName">Address of the broker that answered.</param>
public sealed record Metadata(
    IReadOnlyList<BrokerMetadata> Brokers,
    IReadOnlyList<TopicMetadata> Topics,
    string? ClusterId,
    int ControllerId,
    int OriginatingBrokerId,
    string OriginatingBrokerName);
