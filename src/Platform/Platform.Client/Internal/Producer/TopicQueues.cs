namespace Platform.Client.Internal.Producer;

/// <summary>
/// A topic's partition queues and its partitioning state: the cached metadata, the sticky
/// partition for records without key, the round-robin counter.
/// </summary>
internal sealed class TopicQueues(string topic)
{
    private readonly Lock _lock = new();
    private PartitionQueue?[] _queues = [];

    public string Topic { get; } = topic;

    /// <summary>Metadata as last looked up for this topic, with the snapshot version it came from.</summary>
    public TopicInfo? Info { get; set; }

    public long InfoVersion { get; set; } = -1;

    public int StickyPartition { get; set; } = -1;

    public long StickyBytes { get; set; }

    public int RoundRobin;

    /// <summary>The queue of <paramref name="partition"/>, created on first use.</summary>
    public PartitionQueue Get(int partition, Action<PartitionQueue> onCreated)
    {
        var queues = Volatile.Read(ref _queues);
        if (partition < queues.Length && queues[partition] is { } existing)
        {
            return existing;
        }

        lock (_lock)
        {
            queues = _queues;
            if (partition < queues.Length && queues[partition] is { } raced)
            {
                return raced;
            }

            var grown = new PartitionQueue?[Math.Max(queues.Length, partition + 1)];
            queues.CopyTo(grown, 0);
            var queue = new PartitionQueue(Topic, partition);
            grown[partition] = queue;
            onCreated(queue);
            Volatile.Write(ref _queues, grown);
            return queue;
        }
    }
}
