namespace Platform.Client.Admin;

/// <summary>A topic whose partition count is to be increased.</summary>
public sealed class PartitionsSpecification
{
    /// <summary>Topic name.</summary>
    public required string Topic { get; set; }

    /// <summary>The new total number of partitions (greater than the current one).</summary>
    public required int IncreaseTo { get; set; }

    /// <summary>Optional broker ids for each new partition, in order.</summary>
    public List<List<int>>? ReplicaAssignments { get; set; }
}
