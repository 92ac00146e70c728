namespace Platform.Broker.Groups;

/// <summary>
/// One group's offsets: the committed ones, and those committed inside open transactions, by producer
/// id, which become committed when the producer's COMMIT marker is durable and are dropped on ABORT.
/// Changed only under the group's lock, and only once the record of the change is durable.
/// </summary>
internal sealed class OffsetStore
{
    private readonly Dictionary<TopicPartition, CommittedOffset> _committed = [];
    private readonly Dictionary<long, Dictionary<TopicPartition, CommittedOffset>> _pendingTransactional = [];

    public int Count => _committed.Count;

    public IEnumerable<TopicPartition> Partitions => _committed.Keys;

    public bool Contains(TopicPartition partition) => _committed.ContainsKey(partition);

    public CommittedOffset? Get(TopicPartition partition) => _committed.GetValueOrDefault(partition);

    /// <summary>Every committed offset, by topic and partition.</summary>
    public List<(TopicPartition Partition, CommittedOffset? Offset)> All()
        => _committed.OrderBy(o => o.Key.Topic, StringComparer.Ordinal).ThenBy(o => o.Key.Partition).Select(o => (o.Key, (CommittedOffset?)o.Value)).ToList();

    public void Commit(IEnumerable<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        foreach (var (partition, offset) in offsets)
        {
            _committed[partition] = offset;
        }
    }

    public void Remove(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _committed.Remove(partition);
        }
    }

    public void Clear() => _committed.Clear();

    /// <summary>Offsets a producer committed in its open transaction: they wait for its marker.</summary>
    public void Stage(long producerId, IEnumerable<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        var pending = _pendingTransactional.TryGetValue(producerId, out var map) ? map : _pendingTransactional[producerId] = [];
        foreach (var (partition, offset) in offsets)
        {
            pending[partition] = offset;
        }
    }

    /// <summary>The producer's transaction ended: on COMMIT its staged offsets become the committed ones.</summary>
    public void CompleteTransaction(long producerId, bool commit)
    {
        if (_pendingTransactional.Remove(producerId, out var offsets) && commit)
        {
            Commit(offsets.Select(o => (o.Key, o.Value)));
        }
    }

    /// <summary>The partitions with an offset commit in an open transaction (OffsetFetch require_stable).</summary>
    public HashSet<TopicPartition> UnstablePartitions() => _pendingTransactional.Values.SelectMany(m => m.Keys).ToHashSet();

    /// <summary>
    /// The partitions whose offsets are expired at <paramref name="nowMs"/>: an explicit expiry time (old
    /// OffsetCommit versions) decides alone; otherwise <paramref name="retentionMs"/> after
    /// <paramref name="emptySinceMs"/> when given (the group is empty), else after the commit. Only the
    /// partitions <paramref name="include"/> accepts count.
    /// </summary>
    public List<TopicPartition> Expired(long nowMs, long retentionMs, long? emptySinceMs, Func<TopicPartition, bool> include)
        => _committed
            .Where(o => include(o.Key) && (o.Value.ExpireTimestampMs is { } expire ? nowMs >= expire : nowMs - (emptySinceMs ?? o.Value.CommitTimestampMs) >= retentionMs))
            .Select(o => o.Key)
            .ToList();
}
