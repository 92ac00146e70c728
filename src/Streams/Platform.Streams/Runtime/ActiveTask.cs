using Platform.Client;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Runtime;

/// <summary>A running (or restoring, or suspended) task of a stream thread with its collector and changelogs.</summary>
internal sealed class ActiveTask(StreamTask task, RecordCollector collector, IReadOnlyList<ChangelogPartition> changelogs)
{
    /// <summary>The engine's task.</summary>
    public StreamTask Task { get; } = task;

    /// <summary>Its output.</summary>
    public RecordCollector Collector { get; } = collector;

    /// <summary>The changelog partitions of its stores.</summary>
    public IReadOnlyList<ChangelogPartition> Changelogs { get; } = changelogs;

    /// <summary>Whether a store of it keeps its data on disk and logs it (its checkpoint must follow a full commit).</summary>
    public bool HoldsDiskState { get; } = task.Registrations.Any(r => r.Persistent && r.ChangelogTopic is not null);

    /// <summary>Whether its stores are still catching up with their changelogs (it does not process meanwhile).</summary>
    public bool Restoring { get; set; }

    /// <summary>Whether its partitions were revoked in a rebalance that has not yet said if it keeps them.</summary>
    public bool Suspended { get; set; }

    /// <summary>The sum of the changelog offsets in the last checkpoint written on commit (0 before the first).</summary>
    public long CheckpointedOffsetSum { get; set; }

    /// <summary>The offsets to checkpoint: per changelog partition the offset after the last record the stores hold.</summary>
    public Dictionary<TopicPartition, long> CheckpointOffsets()
    {
        var offsets = new Dictionary<TopicPartition, long>();
        foreach (var changelog in Changelogs)
        {
            if (Collector.TryGetChangelogOffset(changelog.Partition, out var written))
            {
                offsets[changelog.Partition] = written;
            }
            else if ((changelog.NextOffset ?? changelog.StartOffset) is { } restored)
            {
                offsets[changelog.Partition] = restored;
            }
        }

        return offsets;
    }
}
