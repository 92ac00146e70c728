using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>One partition this broker leads: its log, and the signal that wakes waiting fetches.</summary>
public sealed class Partition
{
    private readonly PartitionLog? _log;

    public Partition(TopicState topic, int index, PartitionLog log)
    {
        Topic = topic;
        Index = index;
        _log = log;
    }

    private Partition(TopicState topic, int index, string offlineReason)
    {
        Topic = topic;
        Index = index;
        OfflineReason = offlineReason;
    }

    /// <summary>A partition whose directory could not be opened at start: every request for it gets KAFKA_STORAGE_ERROR until a restart.</summary>
    public static Partition Offline(TopicState topic, int index, string reason) => new(topic, index, reason);

    public TopicState Topic { get; }

    public int Index { get; }

    /// <summary>True if the partition's log could not be opened; <see cref="Log"/> then throws a <see cref="StorageException"/>.</summary>
    public bool IsOffline => _log is null;

    /// <summary>Why the partition is offline, or null.</summary>
    public string? OfflineReason { get; }

    public PartitionLog Log => _log ?? throw new StorageException($"Partition {Topic.Name}-{Index} is offline: {OfflineReason}");

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
