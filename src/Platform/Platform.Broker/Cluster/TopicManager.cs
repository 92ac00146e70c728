using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Replication;
using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>The outcome of a topic operation: Kafka's error code and a message for the client.</summary>
public readonly record struct TopicResult(ErrorCode Error, string? Message = null)
{
    public static readonly TopicResult Ok = new(ErrorCode.None);
}

/// <summary>
/// Creates, deletes, alters and looks up topics. Topic metadata (id, partition count, config
/// overrides) is kept in <c>topics.json</c> in the data directory, rewritten atomically on each
/// change; partition data lives in the logs of the <see cref="LogManager"/>.
/// </summary>
public sealed partial class TopicManager : IDisposable
{
    private const string MetadataFile = "topics.json";
    private readonly BrokerOptions _options;
    private readonly LogManager _logs;
    private readonly ILogger<TopicManager> _logger;
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public TopicManager(IOptions<BrokerOptions> options, LogManager logs, ILogger<TopicManager> logger)
    {
        _options = options.Value;
        _logs = logs;
        _logger = logger;
        if (!_options.IsClustered)
        {
            LoadMetadata();
        }
    }

    /// <summary>True in a cluster (etcd.endpoints set): topics come from the cluster's metadata in etcd, not from topics.json.</summary>
    public bool IsClustered => _options.IsClustered;

    public ICollection<TopicState> Topics => _topics.Values;

    /// <summary>Raised when a hosted partition's log goes offline after an I/O error (not for those offline since the start).</summary>
    public event Action? PartitionWentOffline;

    /// <summary>num.partitions: what a create asking for the default (-1) gets.</summary>
    public int DefaultNumPartitions => _options.NumPartitions;

    /// <summary>max.partitions.per.request: the most partitions one request may create.</summary>
    public int MaxPartitionsPerRequest => _options.MaxPartitionsPerRequest;

    public bool TryGetTopic(string name, out TopicState topic) => _topics.TryGetValue(name, out topic!);

    public Partition? GetPartition(string topic, int partition)
        => _topics.TryGetValue(topic, out var state) ? state.GetPartition(partition) : null;

    /// <summary>The topic, created with broker defaults if it does not exist and auto-creation is on.</summary>
    public TopicState? GetOrAutoCreate(string name, bool allowAutoCreate) => GetOrAutoCreate(name, allowAutoCreate, out _);

    /// <summary>
    /// The topic, created with broker defaults if it does not exist and auto-creation is on; when the
    /// creation was refused (a partition limit, a full disk), <paramref name="error"/> says why.
    /// </summary>
    public TopicState? GetOrAutoCreate(string name, bool allowAutoCreate, out TopicResult error)
    {
        error = TopicResult.Ok;
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        // Internal topics are created by their coordinator, with their own partition count and configs. In a
        // cluster the controller creates topics (the Metadata handler asks it); this only finds hosted ones.
        if (IsClustered || !allowAutoCreate || !_options.AutoCreateTopicsEnable || TopicNames.Validate(name) is not null || TopicNames.IsInternal(name))
        {
            return null;
        }

        var result = CreateTopic(name, _options.NumPartitions, _options.DefaultReplicationFactor, new Dictionary<string, string?>(), validateOnly: false);
        if (result.Error is not (ErrorCode.None or ErrorCode.TopicAlreadyExists))
        {
            error = result;
        }

        return _topics.GetValueOrDefault(name);
    }

    public TopicResult CreateTopic(string name, int numPartitions, short replicationFactor, IReadOnlyDictionary<string, string?> configs, bool validateOnly)
    {
        if (IsClustered)
        {
            // The coordinators' internal topics land here; in a cluster FindCoordinator has the controller create them.
            return new(ErrorCode.NotController, $"Topic '{name}' is created by the cluster's controller, not by this broker alone.");
        }

        if (TopicNames.Validate(name) is { } invalid)
        {
            return new(ErrorCode.InvalidTopicException, invalid);
        }

        numPartitions = numPartitions == -1 ? _options.NumPartitions : numPartitions;
        replicationFactor = replicationFactor == -1 ? _options.DefaultReplicationFactor : replicationFactor;
        if (numPartitions < 1)
        {
            return new(ErrorCode.InvalidPartitions, $"Number of partitions must be at least 1, got {numPartitions}.");
        }

        if (replicationFactor < 1)
        {
            return new(ErrorCode.InvalidReplicationFactor, $"Replication factor must be at least 1, got {replicationFactor}.");
        }

        if (replicationFactor > 1)
        {
            return new(ErrorCode.InvalidReplicationFactor, $"Replication factor {replicationFactor} is larger than the 1 available broker.");
        }

        if (numPartitions > _options.MaxPartitionsPerRequest)
        {
            return new(ErrorCode.InvalidPartitions, $"Topic '{name}' asks for {numPartitions} partitions; at most {_options.MaxPartitionsPerRequest} may be created at once (max.partitions.per.request).");
        }

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in configs)
        {
            if (value is not null)
            {
                overrides[key] = value;
            }
        }

        if (ValidateConfigs(overrides) is { } configError)
        {
            return new(ErrorCode.InvalidConfig, configError);
        }

        lock (_gate)
        {
            if (_topics.ContainsKey(name))
            {
                return new(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
            }

            if (_topics.Keys.FirstOrDefault(existing => Collides(existing, name)) is { } collision)
            {
                return new(ErrorCode.InvalidTopicException, $"Topic '{name}' collides with existing topic '{collision}': '.' and '_' are interchangeable in metric names.");
            }

            if (BrokerLimit(numPartitions) is { } limit)
            {
                return limit;
            }

            if (validateOnly)
            {
                return TopicResult.Ok;
            }

            // Logs first, then topics.json, then the topic goes live: a topic is visible only once a restart
            // would bring it back, and whatever fails on the way is undone (no directory, no entry).
            var topic = new TopicState(name, Guid.NewGuid(), overrides, EffectiveConfig(overrides));
            var created = new List<Partition>(numPartitions);
            try
            {
                for (var p = 0; p < numPartitions; p++)
                {
                    created.Add(CreatePartition(topic, p));
                }

                Save(Records().Append(new TopicRecord(name, topic.TopicId, numPartitions, overrides)));
            }
            catch (Exception e) when (IsStorageFailure(e))
            {
                RollBack(name, created);
                LogCreateFailed(e, name);
                return new(ErrorCode.KafkaStorageError, $"Topic '{name}' was not created: {StorageErrors.Describe(e)}");
            }

            topic.SetPartitions([.. created]);
            _topics[name] = topic;
            LogTopicCreated(name, numPartitions);
            return TopicResult.Ok;
        }
    }

    /// <summary>POLICY_VIOLATION if <paramref name="more"/> partitions would take the broker past max.partitions.</summary>
    private TopicResult? BrokerLimit(int more)
    {
        var total = _topics.Values.Sum(t => (long)t.PartitionCount);
        return total + more > _options.MaxPartitions
            ? new(ErrorCode.PolicyViolation, $"The broker has {total} partitions; {more} more would pass its limit of {_options.MaxPartitions} (max.partitions).")
            : null;
    }

    private static bool IsStorageFailure(Exception e) => e is LogException or IOException or UnauthorizedAccessException;

    /// <summary>Closes and deletes the logs created for a failed operation; a failure here leaves an orphan, which start-up reports and never serves.</summary>
    private void RollBack(string topic, List<Partition> created)
    {
        foreach (var partition in created)
        {
            try
            {
                _logs.DeleteLog(topic, partition.Index);
            }
            catch (Exception e) when (IsStorageFailure(e))
            {
                LogRollbackFailed(e, topic, partition.Index);
            }
        }
    }

    private static bool Collides(string a, string b)
        => !string.Equals(a, b, StringComparison.Ordinal) && string.Equals(a.Replace('.', '_'), b.Replace('.', '_'), StringComparison.Ordinal);

    public TopicResult DeleteTopic(string name)
    {
        if (!_options.DeleteTopicEnable)
        {
            return new(ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled (delete.topic.enable=false).");
        }

        lock (_gate)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            }

            // Forgotten in topics.json before its files go: a crash in between leaves orphan directories, never a topic without data.
            try
            {
                Save(Records().Where(r => r.Name != name));
            }
            catch (Exception e) when (IsStorageFailure(e))
            {
                return new(ErrorCode.KafkaStorageError, $"Topic '{name}' was not deleted: {StorageErrors.Describe(e)}");
            }

            _topics.TryRemove(name, out _);
            foreach (var partition in topic.Partitions)
            {
                _logs.DeleteLog(name, partition.Index);
            }

            LogTopicDeleted(name);
            return TopicResult.Ok;
        }
    }

    public TopicResult CreatePartitions(string name, int count, bool validateOnly)
    {
        lock (_gate)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            }

            var current = topic.Partitions.Count;
            if (count <= current)
            {
                return new(ErrorCode.InvalidPartitions, $"Topic '{name}' has {current} partitions; the new count must be larger, got {count}.");
            }

            if (count - current > _options.MaxPartitionsPerRequest)
            {
                return new(ErrorCode.InvalidPartitions, $"Topic '{name}' would get {count - current} new partitions; at most {_options.MaxPartitionsPerRequest} may be created at once (max.partitions.per.request).");
            }

            if (BrokerLimit(count - current) is { } limit)
            {
                return limit;
            }

            if (validateOnly)
            {
                return TopicResult.Ok;
            }

            var created = new List<Partition>(count - current);
            try
            {
                for (var p = current; p < count; p++)
                {
                    created.Add(CreatePartition(topic, p));
                }

                Save(Records().Select(r => r.Name == name ? r with { Partitions = count } : r));
            }
            catch (Exception e) when (IsStorageFailure(e))
            {
                RollBack(name, created);
                LogCreateFailed(e, name);
                return new(ErrorCode.KafkaStorageError, $"Partitions of '{name}' were not created: {StorageErrors.Describe(e)}");
            }

            topic.SetPartitions([.. topic.Partitions, .. created]);
            return TopicResult.Ok;
        }
    }

    /// <summary>Replaces (full) or patches (incremental) a topic's config overrides.</summary>
    public TopicResult AlterConfigs(string name, Func<Dictionary<string, string>, Dictionary<string, string>> change, bool validateOnly)
    {
        lock (_gate)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            }

            var next = change(new Dictionary<string, string>(topic.Overrides, StringComparer.Ordinal));
            if (ValidateConfigs(next) is { } error)
            {
                return new(ErrorCode.InvalidConfig, error);
            }

            if (validateOnly)
            {
                return TopicResult.Ok;
            }

            try
            {
                Save(Records().Select(r => r.Name == name ? r with { Configs = next } : r));
            }
            catch (Exception e) when (IsStorageFailure(e))
            {
                return new(ErrorCode.KafkaStorageError, $"Configs of '{name}' were not changed: {StorageErrors.Describe(e)}");
            }

            topic.Overrides = next;
            topic.Config = EffectiveConfig(next);
            foreach (var partition in topic.Partitions)
            {
                if (!partition.IsOffline)
                {
                    partition.Log.UpdateConfig(topic.Config);
                }
            }

            return TopicResult.Ok;
        }
    }

    /// <summary>Why topic config overrides are not acceptable, or null (a cluster's controller path checks them here too).</summary>
    internal string? ValidateConfigs(Dictionary<string, string> overrides)
    {
        foreach (var key in overrides.Keys)
        {
            if (LogConfig.FindDefinition(key) is null)
            {
                return $"Unknown topic config name: {key}.";
            }
        }

        var errors = LogConfig.Validate(Merge(overrides)).ToList();
        return errors.Count == 0 ? null : string.Join(" ", errors);
    }

    private Dictionary<string, string> Merge(Dictionary<string, string> overrides)
    {
        var merged = new Dictionary<string, string>(_options.TopicDefaults, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            merged[key] = value;
        }

        return merged;
    }

    private LogConfig EffectiveConfig(Dictionary<string, string> overrides) => LogConfig.Parse(Merge(overrides));

    /// <summary>A partition of a known topic at start: its recovered log, a new one if its directory is missing, or offline if it could not be opened.</summary>
    private Partition OpenPartition(TopicState topic, int index)
        => _logs.OfflineLogs.TryGetValue((topic.Name, index), out var reason)
            ? Partition.Offline(topic, index, reason, SingleNodeRole)
            : Watched(new(topic, index, _logs.GetOrCreateLog(topic.Name, index, topic.Config), SingleNodeRole));

    private Partition CreatePartition(TopicState topic, int index) => Watched(new(topic, index, _logs.CreateLog(topic.Name, index, topic.Config), SingleNodeRole));

    private Partition Watched(Partition partition)
    {
        partition.WentOffline += () => PartitionWentOffline?.Invoke();
        return partition;
    }

    private PartitionRole SingleNodeRole => PartitionRole.SingleNode(_options.NodeId);

    /// <summary>True if topics.json names this partition (the log manager asks at start, to tell orphan directories).</summary>
    public bool IsKnownPartition(string topic, int partition)
        => IsClustered || _topics.TryGetValue(topic, out var state) && partition >= 0 && partition < state.PartitionCount;

    private string MetadataPath => Path.Combine(_options.DataDir, MetadataFile);

    /// <summary>Reads topics.json; the partitions are attached by <see cref="OpenPartitions"/> once the logs are recovered.</summary>
    private void LoadMetadata()
    {
        Directory.CreateDirectory(_options.DataDir);
        if (!File.Exists(MetadataPath))
        {
            return;
        }

        var records = JsonSerializer.Deserialize(File.ReadAllText(MetadataPath), TopicMetadataJsonContext.Default.ListTopicRecord) ?? [];
        foreach (var record in records)
        {
            var overrides = new Dictionary<string, string>(record.Configs, StringComparer.Ordinal);
            _topics[record.Name] = new TopicState(record.Name, record.TopicId, overrides, EffectiveConfig(overrides)) { PartitionCount = record.Partitions };
        }
    }

    /// <summary>The effective config of a topic known from topics.json (the log manager asks while it recovers logs).</summary>
    public LogConfig ConfigFor(string topic)
        => _topics.TryGetValue(topic, out var state) ? state.Config : EffectiveConfig([]);

    /// <summary>Attaches every known topic's partition logs, after the log manager recovered them.</summary>
    public void OpenPartitions()
    {
        if (IsClustered)
        {
            // The cluster service attaches the hosted partitions once it has read their assignment from etcd.
            return;
        }

        foreach (var topic in _topics.Values)
        {
            topic.SetPartitions(Enumerable.Range(0, topic.PartitionCount).Select(p => OpenPartition(topic, p)).ToArray());
            foreach (var offline in topic.Partitions.Where(p => p.IsOffline))
            {
                LogPartitionOffline(topic.Name, offline.Index, offline.OfflineReason!);
            }
        }

        LogTopicsLoaded(_topics.Count);
    }

    /// <summary>
    /// Cluster mode: the partition <paramref name="index"/> of <paramref name="name"/> is assigned to this broker; returns
    /// its local replica, recovered from disk or created empty. A topic id unlike the known one means the topic was
    /// deleted and created again while this broker was away: the old replicas go first.
    /// </summary>
    internal Partition HostPartition(string name, Guid topicId, IReadOnlyDictionary<string, string>? configs, int partitionCount, int index, PartitionRole initialRole)
    {
        lock (_gate)
        {
            if (_topics.TryGetValue(name, out var topic) && topic.TopicId != topicId)
            {
                foreach (var stale in topic.Partitions)
                {
                    _logs.DeleteLog(name, stale.Index);
                }

                _topics.TryRemove(name, out _);
                topic = null;
            }

            var overrides = new Dictionary<string, string>(configs ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            if (topic is null)
            {
                topic = new TopicState(name, topicId, overrides, EffectiveConfig(overrides));
                _topics[name] = topic;
            }

            if (topic.GetPartition(index) is { } existing)
            {
                topic.SetPartitions([.. topic.Partitions], partitionCount);
                return existing;
            }

            var partition = _logs.OfflineLogs.TryGetValue((name, index), out var reason)
                ? Partition.Offline(topic, index, reason, initialRole)
                : Watched(new Partition(topic, index, _logs.GetOrCreateLog(name, index, topic.Config), initialRole));
            topic.SetPartitions([.. topic.Partitions.Append(partition).OrderBy(p => p.Index)], partitionCount);
            return partition;
        }
    }

    /// <summary>Cluster mode: a topic not hosted here, as its configs describe it (for DescribeConfigs; not registered).</summary>
    internal TopicState Describe(string name, Guid topicId, IReadOnlyDictionary<string, string>? configs)
    {
        var overrides = new Dictionary<string, string>(configs ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        return new TopicState(name, topicId, overrides, EffectiveConfig(overrides));
    }

    /// <summary>Cluster mode: a topic's config overrides as the controller last wrote them, applied to its local replicas.</summary>
    internal void ApplyClusterConfigs(string name, IReadOnlyDictionary<string, string>? configs)
    {
        lock (_gate)
        {
            var overrides = new Dictionary<string, string>(configs ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            if (!_topics.TryGetValue(name, out var topic) || (topic.Overrides.Count == overrides.Count && !topic.Overrides.Except(overrides).Any()))
            {
                return;
            }

            topic.Overrides = overrides;
            topic.Config = EffectiveConfig(overrides);
            foreach (var partition in topic.Partitions.Where(p => !p.IsOffline))
            {
                partition.Log.UpdateConfig(topic.Config);
            }
        }
    }

    /// <summary>Cluster mode: the partition is no longer assigned here (reassigned away, or its topic deleted); its local replica is deleted.</summary>
    internal void UnhostPartition(string name, int index)
    {
        lock (_gate)
        {
            if (!_topics.TryGetValue(name, out var topic) || topic.GetPartition(index) is null)
            {
                return;
            }

            var rest = topic.Partitions.Where(p => p.Index != index).ToArray();
            if (rest.Length == 0)
            {
                _topics.TryRemove(name, out _);
            }
            else
            {
                topic.SetPartitions(rest, topic.PartitionCount);
            }

            _logs.DeleteLog(name, index);
        }
    }

    /// <summary>
    /// Cluster mode: deletes the local logs found at start that the cluster's metadata says are not assigned here
    /// (their topic deleted, or the partition moved, while this broker was away).
    /// </summary>
    internal void DeleteLogsNotAssigned(Func<string, int, bool> isAssigned)
    {
        foreach (var log in _logs.Logs)
        {
            if (GetPartition(log.Topic, log.Partition) is null && !isAssigned(log.Topic, log.Partition))
            {
                _logs.DeleteLog(log.Topic, log.Partition);
            }
        }
    }

    private IEnumerable<TopicRecord> Records()
        => _topics.Values.Select(t => new TopicRecord(t.Name, t.TopicId, t.PartitionCount, t.Overrides));

    /// <summary>
    /// Writes topics.json durably before a change goes live (<see cref="AtomicFile"/>: temp file, fsync, rename,
    /// directory fsync). Throws if any step fails; the old file then stands.
    /// </summary>
    private void Save(IEnumerable<TopicRecord> records)
    {
        var list = records.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        AtomicFile.Write(_logs.FileSystem, MetadataPath, JsonSerializer.SerializeToUtf8Bytes(list, TopicMetadataJsonContext.Default.ListTopicRecord));
    }

    public void Dispose()
    {
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions")]
    private partial void LogTopicCreated(string topic, int partitions);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Deleted topic {Topic}")]
    private partial void LogTopicDeleted(string topic);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Loaded {Count} topics")]
    private partial void LogTopicsLoaded(int count);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Creating partitions of topic {Topic} failed; rolled back")]
    private partial void LogCreateFailed(Exception exception, string topic);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Rolling back partition {Topic}-{Partition} failed; its directory stays as an orphan")]
    private partial void LogRollbackFailed(Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Partition {Topic}-{Partition} is offline: {Reason}")]
    private partial void LogPartitionOffline(string topic, int partition, string reason);
}

internal sealed record TopicRecord(string Name, Guid TopicId, int Partitions, Dictionary<string, string> Configs);

[System.Text.Json.Serialization.JsonSerializable(typeof(List<TopicRecord>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class TopicMetadataJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
