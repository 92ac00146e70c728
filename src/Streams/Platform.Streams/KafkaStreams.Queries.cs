using Platform.Client;
using Platform.Client.Serialization;
using Platform.Streams.Runtime;
using Platform.Streams.Runtime.Assignment;
using Platform.Streams.Runtime.Queries;
using Platform.Streams.State;

namespace Platform.Streams;

// Interactive queries: reading the local stores, and finding which instance holds a key.
public sealed partial class KafkaStreams
{
    /// <summary>
    /// A read-only view of the store <paramref name="storeName"/> over every task this instance runs (or the
    /// global store of that name): ask for <c>IReadOnlyKeyValueStore&lt;K,V&gt;</c> (timestamped stores read as
    /// plain ones), <c>IReadOnlyWindowStore&lt;K,V&gt;</c> or <c>IReadOnlySessionStore&lt;K,V&gt;</c>. A key held by
    /// another instance is not found here: see <see cref="QueryMetadataForKey{TKey}"/>.
    /// </summary>
    /// <exception cref="InvalidStateStoreException">The instance is not running, no running task has the store (it may be restoring or moving), or the store is of another kind.</exception>
    public T Store<T>(string storeName)
        where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        var state = State;
        if (state is not (KafkaStreamsState.Running or KafkaStreamsState.Rebalancing))
        {
            throw new InvalidStateStoreException($"State store '{storeName}' cannot be queried while the instance is {state}.");
        }

        if (_runtime?.GlobalStores.TryGetValue(storeName, out var global) == true)
        {
            return QueryableStores.Compose<T>(storeName, [global]);
        }

        List<StreamThread> threads;
        lock (_lock)
        {
            threads = [.. _threads];
        }

        var stores = threads
            .SelectMany(t => t.RunningStores)
            .Where(t => t.Stores.ContainsKey(storeName))
            .OrderBy(t => t.Task)
            .Select(t => t.Stores[storeName])
            .ToList();
        if (stores.Count == 0)
        {
            throw new InvalidStateStoreException(
                $"State store '{storeName}' is not available on this instance: no running task holds it (its tasks may be restoring or moving in a rebalance; retry), or the topology has no store of that name.");
        }

        return QueryableStores.Compose<T>(storeName, stores);
    }

    /// <summary>Whether the topology has a store (task-local or global) named <paramref name="storeName"/>.</summary>
    internal bool HasStore(string storeName)
        => _topology.Subtopologies.Any(s => s.Stores.Any(b => b.Name == storeName)) || _runtime?.GlobalStores.ContainsKey(storeName) == true;

    /// <summary>One local instance of <paramref name="storeName"/> (any running task's, or the global store), to learn its kind and serdes; null when none runs here.</summary>
    internal IStateStore? AnyLocalStore(string storeName)
    {
        if (_runtime?.GlobalStores.TryGetValue(storeName, out var global) == true)
        {
            return global;
        }

        List<StreamThread> threads;
        lock (_lock)
        {
            threads = [.. _threads];
        }

        return threads.SelectMany(t => t.RunningStores).Select(t => t.Stores.GetValueOrDefault(storeName)).FirstOrDefault(s => s is not null);
    }

    /// <summary>This instance's stream threads with their active and standby tasks.</summary>
    public IReadOnlyList<ThreadMetadata> MetadataForLocalThreads()
    {
        lock (_lock)
        {
            return [.. _threads.Select(t => t.Metadata)];
        }
    }

    /// <summary>
    /// Which instance (by <c>application.server</c>) holds <paramref name="key"/> in <paramref name="storeName"/>: the
    /// key's partition is found as the producer's default partitioner finds it, over the input of the store's
    /// sub-topology, then looked up in the last assignment. <see cref="KeyQueryMetadata.NotAvailable"/> before
    /// the first assignment; needs <c>application.server</c> on every instance to name hosts.
    /// </summary>
    /// <exception cref="InvalidStateStoreException">No sub-topology of the topology has that store.</exception>
    public KeyQueryMetadata QueryMetadataForKey<TKey>(string storeName, TKey key, ISerializer<TKey> keySerializer)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentNullException.ThrowIfNull(keySerializer);
        var runtime = _runtime;
        if (runtime is null)
        {
            return KeyQueryMetadata.NotAvailable;
        }

        var subtopology = _topology.Subtopologies.FirstOrDefault(s => s.Stores.Any(b => b.Name == storeName))
            ?? throw new InvalidStateStoreException($"No sub-topology has a state store named '{storeName}'.");
        var sources = subtopology.SourceTopics.Select(t => (Topic: t, Count: runtime.PartitionCount(t))).ToList();
        if (sources.Count == 0)
        {
            return KeyQueryMetadata.NotAvailable;
        }

        var widest = sources.MaxBy(s => s.Count);
        var keyBytes = keySerializer.Serialize(key, new SerializationContext(MessageComponentType.Key, widest.Topic));
        var partition = DefaultPartitioner.Partition(keyBytes, widest.Count);

        if (LatestAssignment() is not { } assignment)
        {
            return KeyQueryMetadata.NotAvailable;
        }

        var partitions = sources.Where(s => s.Count > partition).Select(s => new TopicPartition(s.Topic, partition)).ToList();
        var active = assignment.PartitionsByHost.FirstOrDefault(h => partitions.Any(h.Value.Contains)).Key;
        var standbys = assignment.StandbyPartitionsByHost.Where(h => partitions.Any(h.Value.Contains)).Select(h => HostInfo.Parse(h.Key)).ToHashSet();
        return new KeyQueryMetadata(active is null ? HostInfo.Unavailable : HostInfo.Parse(active), standbys, partition);
    }

    /// <summary>
    /// Every instance of the application with an <c>application.server</c>, from the last assignment (which names
    /// them all, whichever instance asks): what each runs, actively and as standby. Empty before the first assignment.
    /// </summary>
    public IReadOnlyList<StreamsMetadata> MetadataForAllStreamsClients()
    {
        if (LatestAssignment() is not { } assignment)
        {
            return [];
        }

        var hosts = new SortedSet<string>(assignment.PartitionsByHost.Keys, StringComparer.Ordinal);
        hosts.UnionWith(assignment.StandbyPartitionsByHost.Keys);
        var empty = new HashSet<TopicPartition>();
        return [.. hosts.Select(host =>
        {
            var active = assignment.PartitionsByHost.GetValueOrDefault(host) ?? empty;
            var standby = assignment.StandbyPartitionsByHost.GetValueOrDefault(host) ?? empty;
            return new StreamsMetadata(HostInfo.Parse(host), StoresOf(active, standbyOnly: false), active, StoresOf(standby, standbyOnly: true), standby);
        })];
    }

    /// <summary>
    /// The instances hosting <paramref name="storeName"/> (an active or standby copy of any of its partitions), as
    /// Kafka's <c>streamsMetadataForStore</c>; every instance for a global store, none for a store the topology lacks.
    /// </summary>
    public IReadOnlyList<StreamsMetadata> StreamsMetadataForStore(string storeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        var all = MetadataForAllStreamsClients();
        return _runtime?.GlobalStores.ContainsKey(storeName) == true
            ? all
            : [.. all.Where(m => m.StateStoreNames.Contains(storeName) || m.StandbyStateStoreNames.Contains(storeName))];
    }

    /// <summary>
    /// A store of the topology built but not opened (no files, no changelog reads), to learn its kind and serdes
    /// where no task runs it; null when the topology has no task-local store of that name.
    /// </summary>
    internal IStateStore? BuildDetachedStore(string storeName)
        => _topology.Subtopologies.SelectMany(s => s.Stores).FirstOrDefault(b => b.Name == storeName)?.BuildStore();

    /// <summary>The configuration the instance runs with.</summary>
    internal StreamsConfig Config => _config;

    /// <summary>The stores of the sub-topologies reading <paramref name="partitions"/>; for standbys only those with a changelog.</summary>
    private HashSet<string> StoresOf(IReadOnlySet<TopicPartition> partitions, bool standbyOnly)
    {
        var topics = partitions.Select(p => p.Topic).ToHashSet(StringComparer.Ordinal);
        return _topology.Subtopologies
            .Where(s => s.SourceTopics.Any(topics.Contains))
            .SelectMany(s => s.Stores)
            .Where(b => !standbyOnly || b.LoggingEnabled)
            .Select(b => b.Name)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The last assignment any local stream thread received without error.</summary>
    private AssignmentInfo? LatestAssignment()
    {
        List<StreamThread> threads;
        lock (_lock)
        {
            threads = [.. _threads];
        }

        return threads.Select(t => t.Assignment).FirstOrDefault(a => a is not null && a.Error is null);
    }
}
