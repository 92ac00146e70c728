using System.Collections.Concurrent;
using Platform.Client;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Records where each changelog restore started and how much it restored.</summary>
internal sealed class RestoreRecorder : IStateRestoreListener
{
    public ConcurrentQueue<(TopicPartition Partition, long Start, long End)> Starts { get; } = new();

    public ConcurrentQueue<(TopicPartition Partition, long Restored)> Ends { get; } = new();

    public void OnRestoreStart(TopicPartition partition, string storeName, long startOffset, long endOffset) => Starts.Enqueue((partition, startOffset, endOffset));

    public void OnBatchRestored(TopicPartition partition, string storeName, long nextOffset, long numRestored)
    {
    }

    public void OnRestoreEnd(TopicPartition partition, string storeName, long totalRestored) => Ends.Enqueue((partition, totalRestored));
}
