using Platform.Client;
using Platform.Client.Admin;
using Platform.Streams.Runtime.Metrics;

namespace Platform.Streams.Runtime;

/// <summary>
/// A stream thread's restore consumer (manually assigned, no group): replays the changelogs of its
/// restoring active tasks from their checkpoint (or the beginning) up to the end offset looked up when the
/// task was assigned, and keeps its standby tasks' stores following their changelogs for good. Under
/// exactly-once it reads committed data only, and the end is the last stable offset.
/// </summary>
internal sealed class ChangelogReader : IDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly IAdminClient _admin;
    private readonly IsolationLevel _isolation;
    private readonly IStateRestoreListener? _listener;
    private readonly StreamsMetrics _metrics;
    private readonly Dictionary<TopicPartition, ChangelogPartition> _partitions = [];

    // Registered since the last assignment update: if still assigned, the consumer's position is the old owner's.
    private readonly HashSet<TopicPartition> _registered = [];
    private bool _assignmentChanged;

    /// <summary>A reader over <paramref name="consumer"/>; <paramref name="admin"/> looks up end offsets.</summary>
    public ChangelogReader(IConsumer<byte[]?, byte[]?> consumer, IAdminClient admin, IsolationLevel isolation, IStateRestoreListener? listener, StreamsMetrics metrics)
    {
        _consumer = consumer;
        _admin = admin;
        _isolation = isolation;
        _listener = listener;
        _metrics = metrics;
    }

    /// <summary>Whether any active task's store is still restoring.</summary>
    public bool Restoring => _partitions.Values.Any(p => !p.Standby && !p.Completed);

    /// <summary>Whether it follows standby changelogs.</summary>
    public bool HasStandbys => _partitions.Values.Any(p => p.Standby);

    /// <summary>Starts following <paramref name="partition"/>.</summary>
    public void Register(ChangelogPartition partition)
    {
        _partitions[partition.Partition] = partition;
        _registered.Add(partition.Partition);
        _assignmentChanged = true;
    }

    /// <summary>Stops following these changelog partitions (their task closed or moved).</summary>
    public void Unregister(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _assignmentChanged |= _partitions.Remove(partition);
        }
    }

    /// <summary>Whether every changelog of <paramref name="partitions"/> has caught up.</summary>
    public bool Completed(IEnumerable<TopicPartition> partitions)
        => partitions.All(p => !_partitions.TryGetValue(p, out var state) || state.Standby || state.Completed);

    /// <summary>Records active tasks still have to restore (as far as end offsets are known).</summary>
    public long RemainingRecords => _partitions.Values
        .Where(p => !p.Standby && !p.Completed && p.EndOffset is not null)
        .Sum(p => Math.Max(0, p.EndOffset!.Value - (p.NextOffset ?? p.StartOffset ?? 0)));

    /// <summary>The next offset to read of a followed changelog partition (for a standby's checkpoint), or null.</summary>
    public long? NextOffset(TopicPartition partition) => _partitions.TryGetValue(partition, out var state) ? state.NextOffset : null;

    /// <summary>
    /// Reads what is there (waiting up to <paramref name="timeout"/> for the first records) and applies it.
    /// Active changelogs that reach their end are marked completed and no longer read.
    /// </summary>
    public void Poll(TimeSpan timeout)
    {
        if (_assignmentChanged)
        {
            UpdateAssignment();
        }

        if (_consumer.Assignment.Count == 0)
        {
            return;
        }

        var batch = _consumer.ConsumeBatch(timeout, 10_000);
        var applied = new Dictionary<TopicPartition, long>();
        foreach (var record in batch)
        {
            if (record.Message is not { } message || !_partitions.TryGetValue(record.TopicPartition, out var state) || state.Completed)
            {
                continue;
            }

            if (!state.Standby && state.EndOffset is { } end && record.Offset >= end)
            {
                // Written after the end was looked up: the task will write it again itself.
                continue;
            }

            state.Apply(message.Key ?? [], message.Value, message.Timestamp.UnixTimestampMs);
            state.NextOffset = record.Offset + 1;
            state.Restored++;
            applied[record.TopicPartition] = applied.GetValueOrDefault(record.TopicPartition) + 1;
        }

        foreach (var (partition, count) in applied)
        {
            var state = _partitions[partition];
            _metrics.RestoredRecords.Add(count);
            _listener?.OnBatchRestored(partition, state.StoreName, state.NextOffset ?? 0, count);
        }

        CheckCompleted();
    }

    private void CheckCompleted()
    {
        var done = new List<TopicPartition>();
        foreach (var state in _partitions.Values.Where(p => !p.Standby && !p.Completed && p.EndOffset is not null))
        {
            // The position passes transaction markers that hold no record, so it is the truth, not NextOffset.
            var position = _consumer.Assignment.Contains(state.Partition) ? _consumer.Position(state.Partition).Value : -1;
            if (position >= state.EndOffset || (state.NextOffset ?? -1) >= state.EndOffset)
            {
                Complete(state);
                done.Add(state.Partition);
            }
        }

        if (done.Count > 0)
        {
            _consumer.IncrementalUnassign(done);
        }
    }

    private void Complete(ChangelogPartition state)
    {
        state.Completed = true;
        state.NextOffset ??= state.EndOffset;
        _listener?.OnRestoreEnd(state.Partition, state.StoreName, state.Restored);
    }

    /// <summary>Assigns what must be read now: new partitions from their start, minus finished and removed ones.</summary>
    private void UpdateAssignment()
    {
        _assignmentChanged = false;
        var fresh = _partitions.Values.Where(p => !p.Completed && p.EndOffset is null && !p.Standby).ToList();
        if (fresh.Count > 0)
        {
            var ends = LookUpEnds(fresh.Select(p => p.Partition));
            foreach (var state in fresh)
            {
                state.EndOffset = ends.GetValueOrDefault(state.Partition);
                var start = state.StartOffset ?? 0;
                _listener?.OnRestoreStart(state.Partition, state.StoreName, start, state.EndOffset.Value);
                if (start >= state.EndOffset)
                {
                    Complete(state);
                }
            }
        }

        var wanted = _partitions.Values.Where(p => !p.Completed).ToDictionary(p => p.Partition);
        var current = _consumer.Assignment.ToHashSet();

        // A partition registered again while still assigned (a standby promoted to active) now feeds a new store:
        // it is unassigned and assigned again at that store's start, not left at the standby's position.
        var removed = current.Where(p => !wanted.ContainsKey(p) || _registered.Contains(p)).ToList();
        _registered.Clear();
        if (removed.Count > 0)
        {
            _consumer.IncrementalUnassign(removed);
            current.ExceptWith(removed);
        }

        var added = wanted.Values.Where(p => !current.Contains(p.Partition))
            .Select(p => new TopicPartitionOffset(p.Partition, p.NextOffset is { } next ? new Offset(next) : p.StartOffset is { } start ? new Offset(start) : Offset.Beginning))
            .ToList();
        if (added.Count > 0)
        {
            _consumer.IncrementalAssign(added);
        }
    }

    /// <summary>
    /// The changelog partitions of <paramref name="checkpoint"/> whose checkpointed offset lies past their end: the topic
    /// now has another history (deleted and created again, or another cluster), and a store at that offset holds
    /// records the changelog does not.
    /// </summary>
    public List<TopicPartition> PastTheEnd(IReadOnlyDictionary<TopicPartition, long> checkpoint)
    {
        if (checkpoint.Count == 0)
        {
            return [];
        }

        return PastTheEnd(checkpoint, LookUpEnds(checkpoint.Keys));
    }

    /// <summary>The partitions of <paramref name="checkpoint"/> whose offset lies past their end in <paramref name="ends"/>.</summary>
    public static List<TopicPartition> PastTheEnd(IReadOnlyDictionary<TopicPartition, long> checkpoint, IReadOnlyDictionary<TopicPartition, long> ends)
        => [.. checkpoint.Where(c => ends.TryGetValue(c.Key, out var end) && c.Value > end).Select(c => c.Key)];

    private Dictionary<TopicPartition, long> LookUpEnds(IEnumerable<TopicPartition> partitions)
    {
        var result = _admin.ListOffsetsAsync(
            partitions.Select(p => new TopicPartitionOffsetSpec(p, OffsetSpec.Latest())),
            new ListOffsetsOptions { IsolationLevel = _isolation }).GetAwaiter().GetResult();
        return result.ResultInfos.ToDictionary(r => r.TopicPartition, r => r.Offset);
    }

    /// <inheritdoc/>
    public void Dispose() => _consumer.Dispose();
}
