namespace Platform.Client.Admin;

/// <summary>A partition as the Metadata API reports it.</summary>
/// <param name="PartitionId">Partition index.</param>
/// <param name="Leader">Leader broker id, -1 when there is none.</param>
/// <param name="LeaderEpoch">Leader epoch, -1 when unknown.</param>
/// <param name="Replicas">Assigned replicas (broker ids), preferred leader first.</param>
/// <param name="InSyncReplicas">In-sync replicas (broker ids).</param>
/// <param name="OfflineReplicas">Replicas on offline log directories.</param>
/// <param name="Error">The partition's error, if any.</param>
public sealed record PartitionMetadata(
    int PartitionId,
    int Leader,
    int LeaderEpoch,
    IReadOnlyList<int> Replicas,
    IReadOnlyList<int> InSyncReplicas,
    IReadOnlyList<int> OfflineReplicas,
    Error Error);
