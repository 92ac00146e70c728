using Platform.Client.Internal;

namespace Platform.Client.Producer;

/// <summary>
/// A topic's partition queues and its partitioning state: the cached metadata, the sticky
/// partition for records without key, the round-robin counter.
/// </summary>
internal sealed class TopicQueues(string topic)
{
    private readonly Lock _lock = new();
    private PartitionQueue?[] _queues = [];
    private Task _lastInLine = Task.CompletedTask;

    public string Topic { get; } = topic;

    /// <summary>Metadata as last looked up for this topic, with the snapshot version it came from.</summary>
    public TopicInfo? Info { get; set; }

    public long InfoVersion { get; set; } = -1;

    public int StickyPartition { get; set; } = -1;

    /// <summary>Records appended to <see cref="StickyPartition"/> since it was chosen.</summary>
    public int StickyRecords { get; set; }

    public int RoundRobin;

    /// <summary><c>ProduceAsync</c> calls of this topic are in line to append (see <see cref="TakeTurn"/>).</summary>
    public bool HasAppendsInLine => !Volatile.Read(ref _lastInLine).IsCompleted;

    /// <summary>
    /// Puts a <c>ProduceAsync</c> call that must await something before appending in line: it appends
    /// once the returned task (the previous call's <paramref name="done"/>) completed, and completes
    /// <paramref name="done"/> once it appended or failed.
    /// </summary>
    public Task TakeTurn(Task done) => Interlocked.Exchange(ref _lastInLine, done);

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
