namespace Platform.Client.Consumer.Fetching;

internal sealed partial class Fetcher
{
    /// <summary>
    /// Adds partitions to the assignment without touching the others (cooperative rebalancing).
    /// The offsets are as in <see cref="Assign"/>.
    /// </summary>
    public void AddPartitions(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        lock (_lock)
        {
            foreach (var start in list)
            {
                if (!_partitions.TryGetValue(start.TopicPartition, out var state))
                {
                    state = new PartitionState(start.TopicPartition);
                    _partitions[start.TopicPartition] = state;
                }

                StartLocked(state, start);
            }
        }

        FetchFrom(list);
    }

    /// <summary>Removes partitions from the assignment, dropping what is buffered for them; the others keep fetching.</summary>
    public void RemovePartitions(IEnumerable<TopicPartition> partitions)
    {
        lock (_lock)
        {
            foreach (var tp in partitions)
            {
                if (_partitions.Remove(tp, out var state))
                {
                    InvalidateLocked(state);
                    state.Removed = true;
                }
            }
        }
    }

    /// <summary>The positions of the assigned partitions that have one (the offsets to commit as consumed).</summary>
    public List<TopicPartitionOffset> Positions()
    {
        lock (_lock)
        {
            return [.. _partitions.Values.Where(s => s.Position >= 0)
                .Select(s => new TopicPartitionOffset(s.TopicPartition, s.Position) { LeaderEpoch = s.PositionEpoch >= 0 ? s.PositionEpoch : null })];
        }
    }
}
