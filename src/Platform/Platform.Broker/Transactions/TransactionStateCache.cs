using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Protocol;

namespace Platform.Broker.Transactions;

/// <summary>
/// The transactional ids of the <c>__transaction_state</c> partitions this broker coordinates, and their
/// durable changes. A partition is served from the moment it is loaded (this broker became its leader:
/// the ids are rebuilt from its log) until it is unloaded (leadership moved): requests for its ids get
/// COORDINATOR_LOAD_IN_PROGRESS while it loads and NOT_COORDINATOR when it is not served here, and every
/// write checks that this broker still leads it at the epoch it was loaded with (the coordinator epoch,
/// which its markers carry), so a deposed coordinator can neither write its state nor be believed.
/// </summary>
internal sealed class TransactionStateCache(CoordinatorTopic store, TopicManager topics, ClusterInfo cluster, TimeProvider time, ILogger logger)
{
    private readonly ConcurrentDictionary<string, TransactionMetadata> _transactions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TransactionMetadata> _byProducerId = new();
    private readonly Lock _ownershipGate = new();

    // Partition -> the coordinator epoch it is served at; replaced whole, so readers take no lock.
    private volatile ImmutableDictionary<int, int> _owned = ImmutableDictionary<int, int>.Empty;
    private volatile ImmutableHashSet<int> _loading = [];

    public long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Every transactional id served here.</summary>
    public ICollection<TransactionMetadata> Values => _transactions.Values;

    /// <summary>Whether this broker serves the ids of <paramref name="partition"/>: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, or None.</summary>
    public ErrorCode Check(int partition)
        => _owned.ContainsKey(partition) ? ErrorCode.None
            : _loading.Contains(partition) ? ErrorCode.CoordinatorLoadInProgress
            : ErrorCode.NotCoordinator;

    /// <summary>The coordinator epoch <paramref name="partition"/> is served at, if it is.</summary>
    public bool TryGetEpoch(int partition, out int coordinatorEpoch) => _owned.TryGetValue(partition, out coordinatorEpoch);

    /// <summary>Whether <paramref name="partition"/> is still served at <paramref name="coordinatorEpoch"/> (not unloaded, not reloaded since).</summary>
    public bool Owns(int partition, int coordinatorEpoch) => _owned.TryGetValue(partition, out var epoch) && epoch == coordinatorEpoch;

    public TransactionMetadata? Get(string transactionalId) => _transactions.GetValueOrDefault(transactionalId);

    public TransactionMetadata? GetByProducerId(long producerId) => _byProducerId.GetValueOrDefault(producerId);

    /// <summary>The id's metadata, created Empty if it has none yet; null if its partition stopped being served meanwhile.</summary>
    public TransactionMetadata? GetOrAdd(string transactionalId, int partition)
    {
        var metadata = _transactions.GetOrAdd(transactionalId, static (id, p) => new TransactionMetadata(id, p), partition);
        if (Check(partition) == ErrorCode.None)
        {
            return metadata;
        }

        // Unloaded between the caller's check and the add: nothing of this partition may stay.
        _transactions.TryRemove(new KeyValuePair<string, TransactionMetadata>(transactionalId, metadata));
        return null;
    }

    /// <summary>Indexes <paramref name="metadata"/> under its (new) producer id, forgetting <paramref name="oldProducerId"/>.</summary>
    public void SetProducerId(TransactionMetadata metadata, long oldProducerId)
    {
        if (oldProducerId >= 0 && oldProducerId != metadata.ProducerId)
        {
            _byProducerId.TryRemove(new KeyValuePair<long, TransactionMetadata>(oldProducerId, metadata));
        }

        _byProducerId[metadata.ProducerId] = metadata;
    }

    /// <summary>
    /// Starts serving <paramref name="partition"/> at <paramref name="coordinatorEpoch"/> (its leader epoch):
    /// the last record of each id in its log wins, a tombstone removes it. Returns the ids loaded, for the
    /// caller to complete those caught between Prepare* and Complete*. Nothing happens if it is served at
    /// that epoch already.
    /// </summary>
    public IReadOnlyList<TransactionMetadata> Load(int partition, int coordinatorEpoch)
    {
        lock (_ownershipGate)
        {
            if (Owns(partition, coordinatorEpoch))
            {
                return [];
            }

            DropPartition(partition);
            _loading = _loading.Add(partition);
            try
            {
                var loaded = Replay(partition);
                foreach (var metadata in loaded)
                {
                    _transactions[metadata.TransactionalId] = metadata;
                    _byProducerId[metadata.ProducerId] = metadata;
                }

                _owned = _owned.SetItem(partition, coordinatorEpoch);
                if (loaded.Count > 0)
                {
                    logger.LogLoaded(partition, coordinatorEpoch, loaded.Count);
                }

                return loaded;
            }
            finally
            {
                _loading = _loading.Remove(partition);
            }
        }
    }

    /// <summary>Serves every partition of a new (empty) <c>__transaction_state</c> at epoch 0: a single broker, which leads them all.</summary>
    public void OwnNew(int partitionCount)
    {
        lock (_ownershipGate)
        {
            for (var partition = 0; partition < partitionCount; partition++)
            {
                _owned = _owned.SetItem(partition, 0);
            }
        }
    }

    /// <summary>Stops serving <paramref name="partition"/>: its ids leave memory; operations still running on them find their writes refused.</summary>
    public void Unload(int partition)
    {
        lock (_ownershipGate)
        {
            if (DropPartition(partition))
            {
                logger.LogUnloaded(partition);
            }
        }
    }

    /// <summary>Stops serving every partition (the broker stops).</summary>
    public void UnloadAll()
    {
        lock (_ownershipGate)
        {
            foreach (var partition in _owned.Keys)
            {
                DropPartition(partition);
            }
        }
    }

    private bool DropPartition(int partition)
    {
        var wasOwned = _owned.ContainsKey(partition);
        _owned = _owned.Remove(partition);
        foreach (var metadata in _transactions.Values.Where(m => m.Partition == partition).ToList())
        {
            _transactions.TryRemove(new KeyValuePair<string, TransactionMetadata>(metadata.TransactionalId, metadata));
            _byProducerId.TryRemove(new KeyValuePair<long, TransactionMetadata>(metadata.ProducerId, metadata));
        }

        return wasOwned;
    }

    /// <summary>
    /// Changes the metadata as <paramref name="change"/> does once the new state is durable in
    /// <c>__transaction_state</c>: until then readers see the old state (and on failure it stays, unless
    /// <paramref name="applyOnFailure"/>). A failure answers NOT_COORDINATOR if the partition is no longer
    /// served here at the same epoch, else COORDINATOR_NOT_AVAILABLE; clients retry both. The caller has
    /// claimed the id, so no other change interleaves.
    /// </summary>
    public async Task<ErrorCode> TransitionAsync(TransactionMetadata metadata, Action<TransactionMetadata> change, bool applyOnFailure = false)
    {
        TransactionSnapshot after;
        lock (metadata.Gate)
        {
            var before = metadata.Snapshot();
            try
            {
                change(metadata);
                metadata.LastUpdateMs = NowMs;
                after = metadata.Snapshot();
            }
            finally
            {
                metadata.Restore(before);
            }
        }

        var error = await WriteAsync(metadata, TransactionLogRecords.SerializeValue(after)).ConfigureAwait(false);
        lock (metadata.Gate)
        {
            if (error == ErrorCode.None || applyOnFailure)
            {
                metadata.Restore(after);
            }
        }

        return error;
    }

    /// <summary>
    /// Writes <paramref name="value"/> (null: a tombstone) as the id's latest state, completing once it is
    /// durable on the partition's ISR; NOT_COORDINATOR if this broker does not lead the partition at the
    /// epoch it serves it at.
    /// </summary>
    public async Task<ErrorCode> WriteAsync(TransactionMetadata metadata, byte[]? value)
    {
        if (!TryGetEpoch(metadata.Partition, out var epoch) || !LeadsAt(metadata.Partition, epoch))
        {
            return ErrorCode.NotCoordinator;
        }

        var done = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Write(metadata.Partition, [(TransactionLogRecords.SerializeKey(metadata.TransactionalId), value)], error => done.TrySetResult(error));
        var error = await done.Task.ConfigureAwait(false);
        return error == ErrorCode.None ? ErrorCode.None
            : Owns(metadata.Partition, epoch) ? ErrorCode.CoordinatorNotAvailable
            : ErrorCode.NotCoordinator;
    }

    /// <summary>Forgets an expired id whose tombstone is durable.</summary>
    public void Remove(TransactionMetadata metadata)
    {
        _transactions.TryRemove(new KeyValuePair<string, TransactionMetadata>(metadata.TransactionalId, metadata));
        _byProducerId.TryRemove(new KeyValuePair<long, TransactionMetadata>(metadata.ProducerId, metadata));
    }

    // A single broker leads every partition at epoch 0; in a cluster the role says who leads at which epoch.
    private bool LeadsAt(int partition, int epoch)
        => topics.GetPartition(TransactionCoordinator.TopicName, partition) is { } target && target.IsLeader(cluster.NodeId) && target.LeaderEpoch == epoch;

    private List<TransactionMetadata> Replay(int partition)
    {
        var values = new Dictionary<string, TransactionSnapshot?>(StringComparer.Ordinal);
        store.Replay(partition, (key, value, _) =>
        {
            try
            {
                if (TransactionLogRecords.ReadKey(key) is { } id)
                {
                    values[id] = value is { } bytes ? TransactionLogRecords.ReadValue(bytes) : null;
                }
            }
            catch (ProtocolException)
            {
                logger.LogSkippedRecord(partition);
            }
        });

        var loaded = new List<TransactionMetadata>();
        foreach (var (id, value) in values)
        {
            if (value is not null)
            {
                var metadata = new TransactionMetadata(id, partition);
                metadata.Restore(value);
                loaded.Add(metadata);
            }
        }

        return loaded;
    }
}
