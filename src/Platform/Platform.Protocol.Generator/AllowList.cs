namespace Platform.Protocol.Generator;

/// <summary>
/// The messages the project uses: only these are generated. An API is added here when the broker serves
/// it or the client sends it (both its request and response are generated); data messages (embedded
/// in other messages' bytes) by their own name. The list grows with the served APIs.
/// </summary>
internal static class AllowList
{
    public static readonly IReadOnlyList<string> Apis =
    [
        "Produce", "Fetch", "ListOffsets", "Metadata", "ApiVersions",
        "OffsetCommit", "OffsetFetch", "FindCoordinator", "JoinGroup", "Heartbeat", "LeaveGroup", "SyncGroup",
        "DescribeGroups", "ListGroups", "DeleteGroups", "OffsetDelete",
        "CreateTopics", "DeleteTopics", "CreatePartitions", "DeleteRecords",
        "DescribeConfigs", "AlterConfigs", "IncrementalAlterConfigs", "DescribeCluster",
        "InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit",
        "DescribeProducers", "DescribeTransactions", "ListTransactions", "OffsetForLeaderEpoch",
        "ElectLeaders", "AlterPartitionReassignments", "ListPartitionReassignments", "DescribeTopicPartitions",
    ];

    public static readonly IReadOnlyList<string> DataMessages =
    [
        "RequestHeader", "ConsumerProtocolSubscription", "ConsumerProtocolAssignment",
    ];

    /// <summary>The allowed message names; throws naming any entry that has no spec, so a typo cannot go unnoticed.</summary>
    public static HashSet<string> Names(IEnumerable<string> specNames)
    {
        var allowed = Apis.SelectMany(api => new[] { api + "Request", api + "Response" }).Concat(DataMessages).ToHashSet(StringComparer.Ordinal);
        var missing = allowed.Except(specNames, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Allow-listed messages without a spec: {string.Join(", ", missing)}.");
        }

        return allowed;
    }
}
