using Platform.Broker.Replication;
using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>
/// One partition this broker leads: its log, and the signal that wakes waiting fetches whenever the log's
/// high watermark moves (at the append with write.caching=true, at the group commit's fsync without) or
/// the log goes offline.
/// </summary>
public sealed class Partition
{
    private readonly PartitionLog? _log;

    public Partition(TopicState topic, int index, PartitionLog log, PartitionRole role)
    {
        Topic = topic;
        Index = index;
        Role = role;
        _log = log;
        log.ReadableChanged += DataArrived.Pulse;
    }

    private Partition(TopicState topic, int index, string offlineReason, PartitionRole role)
    {
        Topic = topic;
        Index = index;
        Role = role;
        OfflineReason = offlineReason;
    }

    /// <summary>A partition whose directory could not be opened at start: every request for it gets KAFKA_STORAGE_ERROR until a restart.</summary>
    public static Partition Offline(TopicState topic, int index, string reason, PartitionRole role) => new(topic, index, reason, role);

    public TopicState Topic { get; }

    public int Index { get; }

    /// <summary>
    /// True if the partition's log could not be opened at start (<see cref="Log"/> then throws a
    /// <see cref="StorageException"/>) or was taken offline by an I/O error since: either way every request
    /// for it gets KAFKA_STORAGE_ERROR until a restart recovers it from disk.
    /// </summary>
    public bool IsOffline => _log is null || _log.IsOffline;

    /// <summary>Why the partition is offline, or null.</summary>
    public string? OfflineReason { get; }

    public PartitionLog Log => _log ?? throw new StorageException($"Partition {Topic.Name}-{Index} is offline: {OfflineReason}");

    /// <summary>The cluster's view of this partition: leader, epochs, replicas and ISR; a single node leads at epoch 0.</summary>
    public PartitionRole Role { get; set; }

    /// <summary>The leader epoch stamped on appended batches.</summary>
    public int LeaderEpoch => Role.LeaderEpoch;

    public BroadcastSignal DataArrived { get; } = new();

    public long LogStartOffset => Log.LogStartOffset;

    public long LogEndOffset => Log.LogEndOffset;

    public long HighWatermark => Log.HighWatermark;

    /// <summary>The last stable offset: the first offset of the earliest open transaction, else the high watermark.</summary>
    public long LastStableOffset => Log.LastStableOffset;

    /// <summary>
    /// Appends a COMMIT/ABORT marker for the producer's transaction. A coordinator write: it is answered
    /// only once <see cref="WhenAcknowledgeable"/> completes, so a power loss can never keep a Complete*
    /// state in the transaction log whose markers it lost.
    /// </summary>
    public LogAppendInfo AppendMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
        => Log.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit, LeaderEpoch);

    /// <summary>
    /// Appends validated batches, assigning their offsets in place (idempotent producers' batches are
    /// checked against the producer state first). Fetches wake when the high watermark moves.
    /// </summary>
    public LogAppendInfo Append(Memory<byte> batches) => Log.Append(batches, LeaderEpoch);

    /// <summary>
    /// When an acks=all append (or a retry answered as a duplicate) may be answered: at once with
    /// write.caching=true, once its offsets are fsynced (group commit) otherwise.
    /// </summary>
    public Task WhenAcknowledgeable(LogAppendInfo info)
        => Log.Config.WriteCaching ? Task.CompletedTask : Log.WaitForDurableAsync(info.LastOffset + 1);
}
