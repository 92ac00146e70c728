using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>A topic as this broker knows it: id, partitions and the configs set on it.</summary>
public sealed class TopicState
{
    private volatile Partition[] _partitions = [];

    public TopicState(string name, Guid topicId, Dictionary<string, string> overrides, LogConfig config)
    {
        Name = name;
        TopicId = topicId;
        Overrides = overrides;
        Config = config;
    }

    public string Name { get; }

    public Guid TopicId { get; }

    public bool IsInternal => TopicNames.IsInternal(Name);

    /// <summary>Configs set on this topic (topic-level names), without broker defaults.</summary>
    public Dictionary<string, string> Overrides { get; internal set; }

    /// <summary>The effective config: overrides over broker defaults over Kafka's defaults.</summary>
    public LogConfig Config { get; internal set; }

    public IReadOnlyList<Partition> Partitions => _partitions;

    /// <summary>The partition count, known from metadata before the logs are open.</summary>
    public int PartitionCount { get; internal set; }

    /// <summary>
    /// The partitions hosted here, by index. A single broker hosts all of them; in a cluster only those whose
    /// replicas include this broker, out of <paramref name="count"/>.
    /// </summary>
    internal void SetPartitions(Partition[] partitions, int? count = null)
    {
        _partitions = partitions;
        PartitionCount = count ?? partitions.Length;
    }

    public Partition? GetPartition(int index)
    {
        var partitions = _partitions;
        if ((uint)index < (uint)partitions.Length && partitions[index].Index == index)
        {
            return partitions[index];
        }

        // In a cluster the hosted partitions are a subset, so position and index differ.
        return Array.Find(partitions, p => p.Index == index);
    }
}
