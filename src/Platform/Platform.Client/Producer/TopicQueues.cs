using Platform.Client.Internal;

namespace Platform.Client.Producer;

/// <summary>
/// A topic's partition queues and its partitioning state: the cached metadata, the sticky
/// partition for records without key (its stint and the partitions' load, KIP-794), the round-robin counter.
/// </summary>
internal sealed class TopicQueues(string topic)
{
    private readonly Lock _lock = new();
    private PartitionQueue?[] _queues = [];
    private Task _lastInLine = Task.CompletedTask;
    private StickyStint? _stint;

    public string Topic { get; } = topic;

    /// <summary>Metadata as last looked up for this topic, with the snapshot version it came from.</summary>
    public TopicInfo? Info { get; set; }

    public long InfoVersion { get; set; } = -1;

    /// <summary>
    /// The partitions' load as the sender last saw it, for the sticky partitioner's choice (null: choose
    /// uniformly). Written by the sender thread only, read by producing threads.
    /// </summary>
    public volatile PartitionLoad? Load;

    public int RoundRobin;

    /// <summary><c>ProduceAsync</c> calls of this topic are in line to append (see <see cref="TakeTurn"/>).</summary>
    public bool HasAppendsInLine => !Volatile.Read(ref _lastInLine).IsCompleted;

    /// <summary>
    /// Puts a <c>ProduceAsync</c> call that must await something before appending in line: it appends
    /// once the returned task (the previous call's <paramref name="done"/>) completed, and completes
    /// <paramref name="done"/> once it appended or failed.
    /// </summary>
    public Task TakeTurn(Task done) => Interlocked.Exchange(ref _lastInLine, done);

    /// <summary>The partitions' queues created so far (some entries null), for the sender's load statistics.</summary>
    public PartitionQueue?[] Created => Volatile.Read(ref _queues);

    /// <summary>
    /// The current stint of records without key (KIP-794's sticky partition): chosen on first use, or anew
    /// when the topic has fewer partitions than it had.
    /// </summary>
    public StickyStint Stint(TopicInfo info)
    {
        var stint = Volatile.Read(ref _stint);
        if (stint is not null && stint.Partition < info.Partitions.Length)
        {
            return stint;
        }

        var next = new StickyStint(NextStickyPartition(info, stint?.Partition ?? -1));
        var raced = Interlocked.CompareExchange(ref _stint, next, stint);
        return ReferenceEquals(raced, stint) ? next : raced!;
    }

    /// <summary>Whether <paramref name="stint"/> is still the current stint (another thread may have ended it).</summary>
    public bool IsCurrent(StickyStint stint) => ReferenceEquals(Volatile.Read(ref _stint), stint);

    /// <summary>
    /// Ends <paramref name="ended"/> (<c>batch.size</c> bytes went to its partition) and starts the next one on a
    /// partition chosen by <see cref="NextStickyPartition"/>; nothing when another thread ended it first.
    /// </summary>
    public void EndStint(StickyStint ended)
    {
        if (Info is { } info && ReferenceEquals(Volatile.Read(ref _stint), ended))
        {
            Interlocked.CompareExchange(ref _stint, new StickyStint(NextStickyPartition(info, ended.Partition)), ended);
        }
    }

    /// <summary>
    /// Kafka's BuiltInPartitioner.nextPartition: a random available partition, or, with load statistics,
    /// a random one weighted by how few batches wait in its queue (so a slow broker's partitions get fewer
    /// records). Unlike Kafka it does not choose the partition of the stint that just ended when there is
    /// another (drawn again, which keeps the others' weights).
    /// </summary>
    private int NextStickyPartition(TopicInfo info, int previous)
    {
        var load = Load;
        if (load is not null && load.Partitions[^1] >= info.Partitions.Length)
        {
            load = null;
        }

        var available = info.AvailablePartitions.Length > 0 ? info.AvailablePartitions : null;
        var count = load?.Partitions.Length ?? available?.Length ?? info.Partitions.Length;
        var next = previous;
        for (var draw = 0; draw < 16 && next == previous; draw++)
        {
            next = load is not null ? load.Choose(Random.Shared.Next(load.Total))
                : available is not null ? available[Random.Shared.Next(count)]
                : Random.Shared.Next(count);
            if (count == 1)
            {
                break;
            }
        }

        return next;
    }

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
