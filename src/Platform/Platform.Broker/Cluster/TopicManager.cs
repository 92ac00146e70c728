using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
        LoadMetadata();
    }

    public ICollection<TopicState> Topics => _topics.Values;

    public bool TryGetTopic(string name, out TopicState topic) => _topics.TryGetValue(name, out topic!);

    public Partition? GetPartition(string topic, int partition)
        => _topics.TryGetValue(topic, out var state) ? state.GetPartition(partition) : null;

    /// <summary>The topic, created with broker defaults if it does not exist and auto-creation is on.</summary>
    public TopicState? GetOrAutoCreate(string name, bool allowAutoCreate)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        // Internal topics are created by their coordinator, with their own partition count and configs.
        if (!allowAutoCreate || !_options.AutoCreateTopicsEnable || TopicNames.Validate(name) is not null || TopicNames.IsInternal(name))
        {
            return null;
        }

        CreateTopic(name, _options.NumPartitions, _options.DefaultReplicationFactor, new Dictionary<string, string?>(), validateOnly: false);
        return _topics.GetValueOrDefault(name);
    }

    public TopicResult CreateTopic(string name, int numPartitions, short replicationFactor, IReadOnlyDictionary<string, string?> configs, bool validateOnly)
    {
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

            if (validateOnly)
            {
                return TopicResult.Ok;
            }

            var topic = new TopicState(name, Guid.NewGuid(), overrides, EffectiveConfig(overrides));
            topic.SetPartitions(Enumerable.Range(0, numPartitions).Select(p => OpenPartition(topic, p)).ToArray());
            _topics[name] = topic;
            Save();
            LogTopicCreated(name, numPartitions);
            return TopicResult.Ok;
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
            if (!_topics.TryRemove(name, out var topic))
            {
                return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            }

            Save();
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

            if (validateOnly)
            {
                return TopicResult.Ok;
            }

            var partitions = topic.Partitions.Concat(Enumerable.Range(current, count - current).Select(p => OpenPartition(topic, p))).ToArray();
            topic.SetPartitions(partitions);
            Save();
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

            topic.Overrides = next;
            topic.Config = EffectiveConfig(next);
            foreach (var partition in topic.Partitions)
            {
                partition.Log.UpdateConfig(topic.Config);
            }

            Save();
            return TopicResult.Ok;
        }
    }

    private string? ValidateConfigs(Dictionary<string, string> overrides)
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

    private Partition OpenPartition(TopicState topic, int index)
        => new(topic, index, _logs.GetOrCreateLog(topic.Name, index, topic.Config));

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
        foreach (var topic in _topics.Values)
        {
            topic.SetPartitions(Enumerable.Range(0, topic.PartitionCount).Select(p => OpenPartition(topic, p)).ToArray());
        }

        LogTopicsLoaded(_topics.Count);
    }

    /// <summary>Writes topics.json atomically: a temp file, flushed to disk, then renamed over the old one.</summary>
    private void Save()
    {
        var records = _topics.Values
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new TopicRecord(t.Name, t.TopicId, t.PartitionCount, t.Overrides))
            .ToList();
        var temp = MetadataPath + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, records, TopicMetadataJsonContext.Default.ListTopicRecord);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, MetadataPath, overwrite: true);
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
}

internal sealed record TopicRecord(string Name, Guid TopicId, int Partitions, Dictionary<string, string> Configs);

[System.Text.Json.Serialization.JsonSerializable(typeof(List<TopicRecord>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class TopicMetadataJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
