using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>One partition this broker leads: its log, and the signal that wakes waiting fetches.</summary>
public sealed class Partition
{
    public Partition(TopicState topic, int index, PartitionLog log)
    {
        Topic = topic;
        Index = index;
        Log = log;
    }

    public TopicState Topic { get; }

    public int Index { get; }

    public PartitionLog Log { get; }

    /// <summary>The leader epoch stamped on appended batches; a single node stays at epoch 0 until replication.</summary>
    public int LeaderEpoch => 0;

    public AsyncSignal DataArrived { get; } = new();

    public long LogStartOffset => Log.LogStartOffset;

    public long LogEndOffset => Log.LogEndOffset;

    public long HighWatermark => Log.HighWatermark;

    /// <summary>The last stable offset: the high watermark until transactions hold it back.</summary>
    public long LastStableOffset => Log.HighWatermark;

    /// <summary>
    /// Appends validated batches, assigning their offsets in place (idempotent producers' batches are
    /// checked against the producer state first), and wakes waiting fetches unless nothing was written.
    /// </summary>
    public LogAppendInfo Append(Memory<byte> batches)
    {
        var info = Log.Append(batches, LeaderEpoch);
        if (!info.IsDuplicate)
        {
            DataArrived.Pulse();
        }

        return info;
    }
}
