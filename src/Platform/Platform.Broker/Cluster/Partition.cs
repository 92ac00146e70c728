using Platform.Broker.Replication;
using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>
/// One partition this broker hosts: its log, its role in the cluster (leader or follower), the leader's
/// replication state, and the signal that wakes waiting fetches whenever the log's high watermark moves
/// (at the append with write.caching=true, at the group commit's fsync without, when the ISR has it) or
/// the log goes offline.
/// </summary>
public sealed class Partition
{
    private readonly PartitionLog? _log;
    private int _wentOffline;

    public Partition(TopicState topic, int index, PartitionLog log, PartitionRole role)
    {
        Topic = topic;
        Index = index;
        Role = role;
        _log = log;
        log.ReadableChanged += OnReadableChanged;
    }

    /// <summary>Raised once when the log goes offline after an I/O error, so the cluster can move the partition's leadership away.</summary>
    public event Action? WentOffline;

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
    {
        var info = Log.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit, LeaderEpoch);
        Leader?.OnLeaderAppend(info.LastOffset + 1);
        return info;
    }

    /// <summary>
    /// Appends validated batches, assigning their offsets in place (idempotent producers' batches are
    /// checked against the producer state first). Fetches wake when the high watermark moves, followers'
    /// fetches at every append.
    /// </summary>
    public LogAppendInfo Append(Memory<byte> batches)
    {
        var info = Log.Append(batches, LeaderEpoch);
        if (!info.IsDuplicate)
        {
            Leader?.OnLeaderAppend(info.LastOffset + 1);
        }

        return info;
    }

    /// <summary>
    /// The leader's replication state while this broker leads the partition with followers; null when it
    /// follows, or leads alone (a single node, replication factor 1), where the log end is the high watermark.
    /// </summary>
    public LeaderState? Leader { get; internal set; }

    /// <summary>True if this broker may take writes and serve consumers for the partition.</summary>
    public bool IsLeader(int nodeId) => Role.IsLeader(nodeId);

    /// <summary>
    /// Whether this broker may serve a leader's request for the partition: NOT_LEADER_OR_FOLLOWER unless it
    /// leads it, FENCED_LEADER_EPOCH for a caller behind the leader epoch, UNKNOWN_LEADER_EPOCH for one ahead
    /// of it (KIP-320; a <paramref name="currentLeaderEpoch"/> of -1 skips the epoch check).
    /// </summary>
    public ErrorCode LeaderError(int nodeId, int currentLeaderEpoch)
    {
        var role = Role;
        return !role.IsLeader(nodeId) ? ErrorCode.NotLeaderOrFollower
            : currentLeaderEpoch < 0 || currentLeaderEpoch == role.LeaderEpoch ? ErrorCode.None
            : currentLeaderEpoch < role.LeaderEpoch ? ErrorCode.FencedLeaderEpoch
            : ErrorCode.UnknownLeaderEpoch;
    }

    private void OnReadableChanged()
    {
        DataArrived.Pulse();
        if (_log!.IsOffline && Interlocked.Exchange(ref _wentOffline, 1) == 0)
        {
            WentOffline?.Invoke();
        }
    }

    /// <summary>acks=all before the append: NOT_ENOUGH_REPLICAS if the ISR is smaller than min.insync.replicas.</summary>
    public ErrorCode CheckEnoughReplicas()
        => !IsOffline && Role.Isr.Count < Log.Config.MinInSyncReplicas ? ErrorCode.NotEnoughReplicas : ErrorCode.None;

    /// <summary>
    /// When an acks=all append (or a retry answered as a duplicate) may be answered: once the whole ISR has
    /// it (the replicated high watermark passed it) and, with write.caching=false, once it is fsynced here
    /// (group commit). Faults with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
    /// min.insync.replicas meanwhile, NOT_LEADER_OR_FOLLOWER if leadership moved.
    /// </summary>
    public Task WhenAcknowledgeable(LogAppendInfo info)
    {
        var durable = Log.Config.WriteCaching ? Task.CompletedTask : Log.WaitForDurableAsync(info.LastOffset + 1);
        return Leader is { } leader ? WhenReplicatedAsync(leader, durable, info.LastOffset + 1) : durable;
    }

    private async Task WhenReplicatedAsync(LeaderState leader, Task durable, long endOffset)
    {
        await durable.ConfigureAwait(false);
        await leader.WaitForHighWatermarkAsync(endOffset).ConfigureAwait(false);
        if (CheckEnoughReplicas() != ErrorCode.None)
        {
            throw new LogException(ErrorCode.NotEnoughReplicasAfterAppend, $"The ISR of {Topic.Name}-{Index} shrank below min.insync.replicas ({Log.Config.MinInSyncReplicas}) before the write reached it.");
        }
    }
}
