namespace Platform.Client.Admin;

/// <summary>A topic to create.</summary>
public sealed class TopicSpecification
{
    /// <summary>Topic name.</summary>
    public required string Name { get; set; }

    /// <summary>Number of partitions; -1 takes the broker's <c>num.partitions</c>.</summary>
    public int NumPartitions { get; set; } = -1;

    /// <summary>Replication factor; -1 takes the broker's <c>default.replication.factor</c>.</summary>
    public short ReplicationFactor { get; set; } = -1;

    /// <summary>Explicit replica assignment: partition index to broker ids. Excludes the two counts above.</summary>
    public Dictionary<int, List<int>>? ReplicasAssignments { get; set; }

    /// <summary>Topic configs such as <c>cleanup.policy</c>.</summary>
    public Dictionary<string, string>? Configs { get; set; }
}
