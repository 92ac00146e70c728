using Platform.Client;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Runtime;

/// <summary>A standby task: the stores of a task another instance runs, kept warm from their changelogs (no processing).</summary>
internal sealed class StandbyTask(StreamTask task, IReadOnlyList<ChangelogPartition> changelogs)
{
    /// <summary>The engine's task, with stores open and its topology never initialized.</summary>
    public StreamTask Task { get; } = task;

    /// <summary>The changelog partitions it follows.</summary>
    public IReadOnlyList<ChangelogPartition> Changelogs { get; } = changelogs;

    /// <summary>The sum of the changelog offsets in the last checkpoint written on commit (0 before the first).</summary>
    public long CheckpointedOffsetSum { get; set; }

    /// <summary>Per changelog partition the offset after the last record applied.</summary>
    public Dictionary<TopicPartition, long> CheckpointOffsets()
    {
        var offsets = new Dictionary<TopicPartition, long>();
        foreach (var changelog in Changelogs)
        {
            if ((changelog.NextOffset ?? changelog.StartOffset) is { } next)
            {
                offsets[changelog.Partition] = next;
            }
        }

        return offsets;
    }
}
