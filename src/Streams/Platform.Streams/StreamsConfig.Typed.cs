using System.Globalization;
using Microsoft.Extensions.Logging;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams;

public sealed partial class StreamsConfig
{
    // Serdes, handlers and extractors given as objects rather than names.
    private readonly Dictionary<string, object> _instances = new(StringComparer.Ordinal);

    /// <summary>The application's id (<c>application.id</c>); required.</summary>
    public string? ApplicationId
    {
        get => this[ApplicationIdConfig];
        set => this[ApplicationIdConfig] = value;
    }

    /// <summary>Initial brokers (<c>bootstrap.servers</c>).</summary>
    public string? BootstrapServers
    {
        get => this[BootstrapServersConfig];
        set => this[BootstrapServersConfig] = value;
    }

    /// <summary><c>host:port</c> for interactive queries (<c>application.server</c>).</summary>
    public string ApplicationServer
    {
        get => GetString(ApplicationServerConfig);
        set => this[ApplicationServerConfig] = value;
    }

    /// <summary>Prefix of the embedded clients' ids (<c>client.id</c>).</summary>
    public string ClientId
    {
        get => GetString(ClientIdConfig);
        set => this[ClientIdConfig] = value;
    }

    /// <summary>Stream threads per instance (<c>num.stream.threads</c>).</summary>
    public int NumStreamThreads
    {
        get => (int)GetLong(NumStreamThreadsConfig);
        set => this[NumStreamThreadsConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary><c>at_least_once</c> or <c>exactly_once_v2</c> (<c>processing.guarantee</c>).</summary>
    public string ProcessingGuarantee
    {
        get => GetString(ProcessingGuaranteeConfig);
        set => this[ProcessingGuaranteeConfig] = value;
    }

    /// <summary>Whether <see cref="ProcessingGuarantee"/> is <c>exactly_once_v2</c>.</summary>
    public bool ExactlyOnce => ProcessingGuarantee == ExactlyOnceV2;

    /// <summary>How often tasks commit (<c>commit.interval.ms</c>): 30000 by default, 100 under exactly-once unless set.</summary>
    public long CommitIntervalMs
    {
        get => this[CommitIntervalMsConfig] is null && ExactlyOnce ? 100 : GetLong(CommitIntervalMsConfig);
        set => this[CommitIntervalMsConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Record cache bytes per instance (<c>statestore.cache.max.bytes</c>, or the older <c>cache.max.bytes.buffering</c>).</summary>
    public long StateStoreCacheMaxBytes
    {
        get => this[StateStoreCacheMaxBytesConfig] is null && this[CacheMaxBytesBufferingConfig] is not null
            ? GetLong(CacheMaxBytesBufferingConfig)
            : GetLong(StateStoreCacheMaxBytesConfig);
        set => this[StateStoreCacheMaxBytesConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Whether <c>topology.optimization</c> asks for <paramref name="optimization"/> (by name or by <c>all</c>).</summary>
    public bool Optimizes(string optimization)
    {
        var value = GetString(TopologyOptimizationConfig);
        return value == "all" || value.Split(',', StringSplitOptions.TrimEntries).Contains(optimization, StringComparer.Ordinal);
    }

    /// <summary>Where persistent stores live (<c>state.dir</c>).</summary>
    public string StateDir
    {
        get => GetString(StateDirConfig);
        set => this[StateDirConfig] = value;
    }

    /// <summary>Standby replicas per stateful task (<c>num.standby.replicas</c>).</summary>
    public int NumStandbyReplicas
    {
        get => (int)GetLong(NumStandbyReplicasConfig);
        set => this[NumStandbyReplicasConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Replication factor of internal topics, -1 for the broker's default (<c>replication.factor</c>).</summary>
    public int ReplicationFactor
    {
        get => (int)GetLong(ReplicationFactorConfig);
        set => this[ReplicationFactorConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>How long a task waits for data on all its partitions (<c>max.task.idle.ms</c>).</summary>
    public long MaxTaskIdleMs
    {
        get => GetLong(MaxTaskIdleMsConfig);
        set => this[MaxTaskIdleMsConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Records buffered per partition before it is paused (<c>buffered.records.per.partition</c>).</summary>
    public int BufferedRecordsPerPartition
    {
        get => (int)GetLong(BufferedRecordsPerPartitionConfig);
        set => this[BufferedRecordsPerPartitionConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>How long a poll waits (<c>poll.ms</c>).</summary>
    public long PollMs
    {
        get => GetLong(PollMsConfig);
        set => this[PollMsConfig] = value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Store type of DSL stores, <c>rocksDB</c> or <c>in_memory</c> (<c>default.dsl.store</c>).</summary>
    public string DefaultDslStore
    {
        get => GetString(DefaultDslStoreConfig);
        set => this[DefaultDslStoreConfig] = value;
    }

    /// <summary>The dead-letter topic (<c>errors.dead.letter.queue.topic.name</c>), or null.</summary>
    public string? DeadLetterQueueTopicName
    {
        get => this[DeadLetterQueueTopicNameConfig] is { Length: > 0 } topic ? topic : null;
        set => this[DeadLetterQueueTopicNameConfig] = value;
    }

    /// <summary>The serde of keys where an operator gives none (<c>default.key.serde</c>): an <see cref="ISerde{T}"/>, or null.</summary>
    public object? DefaultKeySerde
    {
        get => GetInstance(DefaultKeySerdeConfig, Serdes.ByName);
        set => SetInstance(DefaultKeySerdeConfig, value);
    }

    /// <summary>The serde of values where an operator gives none (<c>default.value.serde</c>): an <see cref="ISerde{T}"/>, or null.</summary>
    public object? DefaultValueSerde
    {
        get => GetInstance(DefaultValueSerdeConfig, Serdes.ByName);
        set => SetInstance(DefaultValueSerdeConfig, value);
    }

    /// <summary>The timestamp extractor of sources that give none (<c>default.timestamp.extractor</c>).</summary>
    public ITimestampExtractor DefaultTimestampExtractor
    {
        get => (ITimestampExtractor)GetInstance(DefaultTimestampExtractorConfig, ResolveTimestampExtractor)!;
        set => SetInstance(DefaultTimestampExtractorConfig, value);
    }

    /// <summary>What to do with records that cannot be deserialized (<c>default.deserialization.exception.handler</c>).</summary>
    public IDeserializationExceptionHandler DeserializationExceptionHandler
    {
        get => (IDeserializationExceptionHandler)GetInstance(DefaultDeserializationExceptionHandlerConfig, ResolveDeserializationHandler)!;
        set => SetInstance(DefaultDeserializationExceptionHandlerConfig, value);
    }

    /// <summary>What to do when a processor throws (<c>processing.exception.handler</c>).</summary>
    public IProcessingExceptionHandler ProcessingExceptionHandler
    {
        get => (IProcessingExceptionHandler)GetInstance(ProcessingExceptionHandlerConfig, ResolveProcessingHandler)!;
        set => SetInstance(ProcessingExceptionHandlerConfig, value);
    }

    /// <summary>
    /// Gives the built-in error handlers chosen by name a logger from <paramref name="loggerFactory"/>, so the records
    /// they skip or fail on are logged (a name alone makes them log nowhere); handlers given as objects stay as they are.
    /// </summary>
    internal void UseLoggerForNamedHandlers(ILoggerFactory loggerFactory)
    {
        if (!_instances.ContainsKey(DefaultDeserializationExceptionHandlerConfig))
        {
            var logger = loggerFactory.CreateLogger<IDeserializationExceptionHandler>();
            _instances[DefaultDeserializationExceptionHandlerConfig] = DeserializationExceptionHandler switch
            {
                LogAndContinueExceptionHandler => new LogAndContinueExceptionHandler(logger),
                LogAndFailExceptionHandler => new LogAndFailExceptionHandler(logger),
                var other => other,
            };
        }

        if (!_instances.ContainsKey(ProcessingExceptionHandlerConfig))
        {
            var logger = loggerFactory.CreateLogger<IProcessingExceptionHandler>();
            _instances[ProcessingExceptionHandlerConfig] = ProcessingExceptionHandler switch
            {
                LogAndContinueProcessingExceptionHandler => new LogAndContinueProcessingExceptionHandler(logger),
                LogAndFailProcessingExceptionHandler => new LogAndFailProcessingExceptionHandler(logger),
                var other => other,
            };
        }
    }

    /// <summary>A copy: the same settings, and the same serde, handler and extractor instances.</summary>
    public StreamsConfig Clone()
    {
        var copy = new StreamsConfig(_values);
        foreach (var (key, instance) in _instances)
        {
            copy._instances[key] = instance;
        }

        return copy;
    }

    /// <summary>A setting as text, or its default ("" when it has none).</summary>
    public string GetString(string key) => this[key] ?? FindDefinition(key)?.Default ?? "";

    /// <summary>A numeric setting, or its default.</summary>
    /// <exception cref="StreamsConfigException">The value is not a number.</exception>
    public long GetLong(string key)
    {
        var text = GetString(key);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new StreamsConfigException(key, $"must be a whole number, got '{text}'.");
    }

    /// <summary>
    /// Checks every setting: a bad value throws naming its key; unknown keys are logged as warnings and
    /// returned. Keys with a client prefix (<c>consumer.</c>, <c>producer.</c>, ...) and keys the embedded
    /// clients know pass through unchecked.
    /// </summary>
    /// <exception cref="StreamsConfigException">A value is malformed or out of range, or <c>application.id</c> is missing.</exception>
    public IReadOnlyList<string> Validate(ILogger? logger = null)
    {
        if (string.IsNullOrEmpty(this[ApplicationIdConfig]))
        {
            throw new StreamsConfigException(ApplicationIdConfig, "is required: it names the consumer group and prefixes internal topics.");
        }

        var unknown = new List<string>();
        foreach (var (key, value) in _values)
        {
            if (FindDefinition(key) is { } definition)
            {
                ValidateValue(definition, value);
            }
            else if (!IsClientKey(key))
            {
                unknown.Add(key);
                if (logger is not null)
                {
                    LogUnknownKey(logger, key);
                }
            }
        }

        return unknown;
    }

    /// <summary>Settings for a consumer: unprefixed consumer keys, then <c>consumer.</c>, then <paramref name="rolePrefix"/> (<c>main.consumer.</c>, <c>restore.consumer.</c>, <c>global.consumer.</c>).</summary>
    public Dictionary<string, string> ConsumerSettings(string rolePrefix = "main.consumer.")
        => ClientSettings(ConsumerKeys, "consumer.", rolePrefix);

    /// <summary>Settings for a producer: unprefixed producer keys, then <c>producer.</c> ones.</summary>
    public Dictionary<string, string> ProducerSettings() => ClientSettings(ProducerKeys, "producer.", null);

    /// <summary>Settings for an admin client: unprefixed admin keys, then <c>admin.</c> ones.</summary>
    public Dictionary<string, string> AdminSettings() => ClientSettings(AdminKeys, "admin.", null);

    private Dictionary<string, string> ClientSettings(HashSet<string> known, string prefix, string? rolePrefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in _values)
        {
            if (known.Contains(key) && key != ClientIdConfig)
            {
                result[key] = value;
            }
        }

        foreach (var p in rolePrefix is null ? [prefix] : new[] { prefix, rolePrefix })
        {
            foreach (var (key, value) in _values)
            {
                if (key.StartsWith(p, StringComparison.Ordinal))
                {
                    result[key[p.Length..]] = value;
                }
            }
        }

        return result;
    }

    private static bool IsClientKey(string key)
    {
        foreach (var prefix in ClientPrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return ConsumerKeys.Contains(key) || ProducerKeys.Contains(key) || AdminKeys.Contains(key);
    }

    private void ValidateValue(StreamsConfigDefinition definition, string value)
    {
        switch (definition.Type)
        {
            case StreamsConfigType.Int when !int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _):
                throw new StreamsConfigException(definition.Name, $"must be a 32-bit whole number, got '{value}'.");
            case StreamsConfigType.Long when !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _):
                throw new StreamsConfigException(definition.Name, $"must be a whole number, got '{value}'.");
            case StreamsConfigType.Boolean when value is not ("true" or "false"):
                throw new StreamsConfigException(definition.Name, $"must be true or false, got '{value}'.");
            case StreamsConfigType.Class when !_instances.ContainsKey(definition.Name):
                _ = GetInstance(definition.Name, Resolver(definition.Name));
                break;
        }

        if (definition.Validator?.Invoke(value) is { } error)
        {
            throw new StreamsConfigException(definition.Name, error);
        }
    }

    private static Func<string, object?> Resolver(string key) => key switch
    {
        DefaultTimestampExtractorConfig => ResolveTimestampExtractor,
        DefaultDeserializationExceptionHandlerConfig => ResolveDeserializationHandler,
        ProcessingExceptionHandlerConfig => ResolveProcessingHandler,
        DefaultKeySerdeConfig or DefaultValueSerdeConfig => Serdes.ByName,
        _ => name => name,
    };

    private object? GetInstance(string key, Func<string, object?> resolve)
    {
        if (_instances.TryGetValue(key, out var instance))
        {
            return instance;
        }

        var name = GetString(key);
        if (name.Length == 0)
        {
            return null;
        }

        return resolve(name) ?? throw new StreamsConfigException(key, $"'{name}' is neither a built-in name nor a .NET type with a parameterless constructor of the right kind.");
    }

    private void SetInstance(string key, object? value)
    {
        if (value is null)
        {
            _instances.Remove(key);
            this[key] = null;
        }
        else
        {
            _instances[key] = value;
            _values[key] = value.GetType().FullName ?? value.GetType().Name;
        }
    }

    private static object? ResolveTimestampExtractor(string name) => ShortName(name) switch
    {
        "FailOnInvalidTimestamp" => new FailOnInvalidTimestamp(),
        "LogAndSkipOnInvalidTimestamp" => new LogAndSkipOnInvalidTimestamp(),
        "UsePartitionTimeOnInvalidTimestamp" => new UsePartitionTimeOnInvalidTimestamp(),
        "WallclockTimestampExtractor" => new WallclockTimestampExtractor(),
        _ => CreateType<ITimestampExtractor>(name),
    };

    private static object? ResolveDeserializationHandler(string name) => ShortName(name) switch
    {
        "LogAndFail" or "LogAndFailExceptionHandler" => new LogAndFailExceptionHandler(),
        "LogAndContinue" or "LogAndContinueExceptionHandler" => new LogAndContinueExceptionHandler(),
        _ => CreateType<IDeserializationExceptionHandler>(name),
    };

    private static object? ResolveProcessingHandler(string name) => ShortName(name) switch
    {
        "LogAndFail" or "LogAndFailProcessingExceptionHandler" => new LogAndFailProcessingExceptionHandler(),
        "LogAndContinue" or "LogAndContinueProcessingExceptionHandler" => new LogAndContinueProcessingExceptionHandler(),
        _ => CreateType<IProcessingExceptionHandler>(name),
    };

    private static string ShortName(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot >= 0 && Type.GetType(name, throwOnError: false) is null ? name[(dot + 1)..] : name;
    }

    private static T? CreateType<T>(string name) where T : class
    {
        var type = Type.GetType(name, throwOnError: false);
        return type is not null && typeof(T).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null
            ? (T?)Activator.CreateInstance(type)
            : null;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Unknown Streams setting '{Key}' is ignored")]
    private static partial void LogUnknownKey(ILogger logger, string key);
}
