using Platform.Client;
using Platform.Streams.State;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// Keeps the global stores: every record of every partition of the global topics goes through its global
/// processor at once (no ordering across partitions, as in Kafka). One per instance, on its own thread.
/// </summary>
internal sealed class GlobalStateTask
{
    /// <summary>The task id global stores report (they belong to no task).</summary>
    public static readonly TaskId GlobalTaskId = new(-1, -1);

    private readonly TaskContext _context;
    private readonly StoreContext _storeContext;
    private readonly ProcessorNode[] _nodes;
    private readonly Dictionary<string, SourceNode> _sourceByTopic;
    private readonly IReadOnlyList<IStoreBuilder> _storeBuilders;
    private readonly Dictionary<TopicPartition, long> _offsets = [];
    private IStateStore[] _stores = [];
    private bool _topologyInitialized;

    public GlobalStateTask(string applicationId, IReadOnlyList<ProcessorNode> nodes, Dictionary<string, SourceNode> sourceByTopic, IReadOnlyList<IStoreBuilder> storeBuilders, TaskEnvironment environment)
    {
        _context = new TaskContext(applicationId, GlobalTaskId, environment.Config, environment.Collector, environment.Clock, environment.Logger);
        _storeContext = new StoreContext(_context, Path.Combine(environment.Config.StateDir, applicationId, "global"), null, _ => null);
        _nodes = [.. nodes];
        _sourceByTopic = sourceByTopic;
        _storeBuilders = storeBuilders;
    }

    /// <summary>The global topics (their partitions all belong to this task).</summary>
    public IReadOnlyCollection<string> Topics => _sourceByTopic.Keys;

    /// <summary>The global stores by name.</summary>
    public IReadOnlyDictionary<string, IStateStore> Stores => _context.Stores;

    /// <summary>The stores with their restore callbacks.</summary>
    public IReadOnlyList<StoreRegistration> Registrations => _storeContext.Registrations;

    /// <summary>The next offset to read per partition processed so far (what a checkpoint holds).</summary>
    public IReadOnlyDictionary<TopicPartition, long> Offsets => _offsets;

    public void InitializeStores()
    {
        var stores = new IStateStore[_storeBuilders.Count];
        for (var i = 0; i < stores.Length; i++)
        {
            var store = _storeBuilders[i].BuildStore();
            store.Init(_storeContext, store);
            _context.Stores[store.Name] = store;
            stores[i] = store;
        }

        _stores = stores;
    }

    public void InitializeTopology()
    {
        foreach (var node in _nodes)
        {
            node.Init(_context);
        }

        _topologyInitialized = true;
    }

    /// <summary>Processes one record of a global topic through its store's processor.</summary>
    public void Update(in ConsumedRecord record)
    {
        if (!_sourceByTopic.TryGetValue(record.Topic, out var source))
        {
            throw new InvalidOperationException($"'{record.Topic}' is not a global topic.");
        }

        source.ProcessDirect(record, -1);
        _offsets[new TopicPartition(record.Topic, record.Partition)] = record.Offset + 1;
    }

    /// <summary>Flushes the global stores.</summary>
    public void Flush()
    {
        foreach (var store in _stores)
        {
            store.Flush();
        }
    }

    public void Close()
    {
        if (_topologyInitialized)
        {
            Flush();
            foreach (var node in _nodes)
            {
                node.Close();
            }
        }

        foreach (var store in _stores)
        {
            store.Close();
        }
    }
}
