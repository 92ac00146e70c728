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

    /// <summary>The last stable offset: the first offset of the earliest open transaction, else the high watermark.</summary>
    public long LastStableOffset => Log.LastStableOffset;

    /// <summary>Appends a COMMIT/ABORT marker for the producer's transaction and wakes waiting fetches (the LSO may move).</summary>
    public LogAppendInfo AppendMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        var info = Log.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit, LeaderEpoch);
        DataArrived.Pulse();
        return info;
    }

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
