using System.Globalization;
using Platform.Client.Consumer;
using Platform.Client.Consumer.Fetching;
using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Client.Serialization;

namespace Platform.Client;

/// <summary>
/// Builds an <see cref="IConsumer{TKey, TValue}"/>: configuration with Kafka's names, deserializers
/// (sync or async; built-ins are chosen for string, byte[], int, long, double, Null and Ignore),
/// an error handler and interceptors.
/// </summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public class ConsumerBuilder<TKey, TValue>
{
    private static readonly HashSet<string> KnownKeys =
    [
        "bootstrap.servers", "client.id", "group.id", "request.timeout.ms", "socket.connection.setup.timeout.ms",
        "fetch.min.bytes", "fetch.max.wait.ms", "max.partition.fetch.bytes", "fetch.max.bytes", "max.poll.records",
        "isolation.level", "auto.offset.reset", "check.crcs", "enable.partition.eof", "metadata.max.age.ms",
        "retry.backoff.ms", "receive.buffer.bytes",
        "group.instance.id", "enable.auto.commit", "auto.commit.interval.ms", "session.timeout.ms", "heartbeat.interval.ms",
        "max.poll.interval.ms", "partition.assignment.strategy", "internal.leave.group.on.close",
    ];

    private readonly List<KeyValuePair<string, string>> _config;
    private readonly List<IConsumerInterceptor<TKey, TValue>> _interceptors = [];
    private IDeserializer<TKey>? _key;
    private IAsyncDeserializer<TKey>? _keyAsync;
    private IDeserializer<TValue>? _value;
    private IAsyncDeserializer<TValue>? _valueAsync;
    private Action<IConsumer<TKey, TValue>, Error>? _errorHandler;
    private Func<IConsumer<TKey, TValue>, List<TopicPartition>, IEnumerable<TopicPartitionOffset>?>? _assignedHandler;
    private Action<IConsumer<TKey, TValue>, List<TopicPartitionOffset>>? _revokedHandler;
    private Action<IConsumer<TKey, TValue>, List<TopicPartitionOffset>>? _lostHandler;
    private Groups.IPartitionAssignor? _assignor;

    /// <summary>Starts from <paramref name="config"/>, e.g. a <see cref="ConsumerConfig"/>.</summary>
    public ConsumerBuilder(IEnumerable<KeyValuePair<string, string>> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = [.. config];
    }

    /// <summary>Sets the key deserializer.</summary>
    public ConsumerBuilder<TKey, TValue> SetKeyDeserializer(IDeserializer<TKey> deserializer)
    {
        ArgumentNullException.ThrowIfNull(deserializer);
        ThrowIfSet(_key is not null || _keyAsync is not null, "key");
        _key = deserializer;
        return this;
    }

    /// <summary>Sets an asynchronous key deserializer (awaited by the async consume methods, waited for by the others).</summary>
    public ConsumerBuilder<TKey, TValue> SetKeyDeserializer(IAsyncDeserializer<TKey> deserializer)
    {
        ArgumentNullException.ThrowIfNull(deserializer);
        ThrowIfSet(_key is not null || _keyAsync is not null, "key");
        _keyAsync = deserializer;
        return this;
    }

    /// <summary>Sets the value deserializer.</summary>
    public ConsumerBuilder<TKey, TValue> SetValueDeserializer(IDeserializer<TValue> deserializer)
    {
        ArgumentNullException.ThrowIfNull(deserializer);
        ThrowIfSet(_value is not null || _valueAsync is not null, "value");
        _value = deserializer;
        return this;
    }

    /// <summary>Sets an asynchronous value deserializer (awaited by the async consume methods, waited for by the others).</summary>
    public ConsumerBuilder<TKey, TValue> SetValueDeserializer(IAsyncDeserializer<TValue> deserializer)
    {
        ArgumentNullException.ThrowIfNull(deserializer);
        ThrowIfSet(_value is not null || _valueAsync is not null, "value");
        _valueAsync = deserializer;
        return this;
    }

    /// <summary>
    /// Sets the handler of errors the background pipeline meets and retries (a lost connection,
    /// an unreachable broker). It runs on the consuming thread, inside a consume call.
    /// </summary>
    public ConsumerBuilder<TKey, TValue> SetErrorHandler(Action<IConsumer<TKey, TValue>, Error> errorHandler)
    {
        ArgumentNullException.ThrowIfNull(errorHandler);
        ThrowIfSet(_errorHandler is not null, "error handler");
        _errorHandler = errorHandler;
        return this;
    }

    /// <summary>
    /// Sets the handler called (on the consuming thread, inside a consume call) when the group gives
    /// this consumer partitions: with an eager assignor the whole assignment, with cooperative-sticky
    /// only the added partitions. It may return where each starts (<see cref="Offset.Unset"/>: the
    /// committed offset, else <c>auto.offset.reset</c>); null keeps those defaults.
    /// </summary>
    public ConsumerBuilder<TKey, TValue> SetPartitionsAssignedHandler(Func<IConsumer<TKey, TValue>, List<TopicPartition>, IEnumerable<TopicPartitionOffset>?> partitionsAssignedHandler)
    {
        ArgumentNullException.ThrowIfNull(partitionsAssignedHandler);
        ThrowIfSet(_assignedHandler is not null, "partitions assigned handler");
        _assignedHandler = partitionsAssignedHandler;
        return this;
    }

    /// <summary>Sets the partitions assigned handler without choosing start offsets.</summary>
    public ConsumerBuilder<TKey, TValue> SetPartitionsAssignedHandler(Action<IConsumer<TKey, TValue>, List<TopicPartition>> partitionsAssignedHandler)
    {
        ArgumentNullException.ThrowIfNull(partitionsAssignedHandler);
        return SetPartitionsAssignedHandler((consumer, partitions) =>
        {
            partitionsAssignedHandler(consumer, partitions);
            return null;
        });
    }

    /// <summary>
    /// Sets the handler called before partitions are taken away in a rebalance or on close, with
    /// their current positions: the place to commit what was processed (auto commit, when on, has
    /// already committed the positions). With cooperative-sticky only the moving partitions are revoked.
    /// </summary>
    public ConsumerBuilder<TKey, TValue> SetPartitionsRevokedHandler(Action<IConsumer<TKey, TValue>, List<TopicPartitionOffset>> partitionsRevokedHandler)
    {
        ArgumentNullException.ThrowIfNull(partitionsRevokedHandler);
        ThrowIfSet(_revokedHandler is not null, "partitions revoked handler");
        _revokedHandler = partitionsRevokedHandler;
        return this;
    }

    /// <summary>
    /// Sets the handler called when partitions were lost (the session expired, the member was fenced,
    /// polls stopped for <c>max.poll.interval.ms</c>): another member may own them already, so do not
    /// commit. Without it the revoked handler is called.
    /// </summary>
    public ConsumerBuilder<TKey, TValue> SetPartitionsLostHandler(Action<IConsumer<TKey, TValue>, List<TopicPartitionOffset>> partitionsLostHandler)
    {
        ArgumentNullException.ThrowIfNull(partitionsLostHandler);
        ThrowIfSet(_lostHandler is not null, "partitions lost handler");
        _lostHandler = partitionsLostHandler;
        return this;
    }

    /// <summary>
    /// Makes <paramref name="assignor"/> this member's only assignor, in place of the built-in ones that
    /// <c>partition.assignment.strategy</c> names (which must then be unset): the way an application
    /// such as a Streams runtime brings its own assignment logic and user data. Every member of the
    /// group must offer an assignor of the same <see cref="Groups.IPartitionAssignor.Name"/>.
    /// </summary>
    public ConsumerBuilder<TKey, TValue> SetPartitionAssignor(Groups.IPartitionAssignor assignor)
    {
        ArgumentNullException.ThrowIfNull(assignor);
        ThrowIfSet(_assignor is not null, "partition assignor");
        if (string.IsNullOrWhiteSpace(assignor.Name))
        {
            throw new ArgumentException("The partition assignor's Name (its protocol name in JoinGroup) must not be empty.", nameof(assignor));
        }

        _assignor = assignor;
        return this;
    }

    /// <summary>Adds an interceptor; interceptors run in the order added.</summary>
    public ConsumerBuilder<TKey, TValue> AddInterceptor(IConsumerInterceptor<TKey, TValue> interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        _interceptors.Add(interceptor);
        return this;
    }

    /// <summary>Validates the configuration and creates the consumer. No connection is opened until the first assignment.</summary>
    /// <exception cref="ArgumentException">A property is unknown, missing or malformed, or no deserializer fits a type; the message names it.</exception>
    public virtual IConsumer<TKey, TValue> Build()
    {
        var config = new ConsumerConfig();
        foreach (var (key, value) in _config)
        {
            if (!KnownKeys.Contains(key))
            {
                throw new ArgumentException($"Unknown configuration property '{key}'. Known: {string.Join(", ", KnownKeys.Order())}.");
            }

            config.Set(key, value);
        }

        var bootstrap = ClientConfigSupport.Bootstrap(config.BootstrapServers);

        var fetch = new FetcherOptions
        {
            FetchMinBytes = Int(config, "fetch.min.bytes", 1, min: 0),
            FetchMaxWaitMs = Int(config, "fetch.max.wait.ms", 500, min: 0),
            MaxPartitionFetchBytes = Int(config, "max.partition.fetch.bytes", 1048576, min: 1),
            FetchMaxBytes = Int(config, "fetch.max.bytes", 52428800, min: 1),
            IsolationLevel = Typed(() => config.IsolationLevel) ?? IsolationLevel.ReadUncommitted,
            AutoOffsetReset = (Typed(() => config.AutoOffsetReset) ?? AutoOffsetReset.Latest) switch
            {
                AutoOffsetReset.Earliest => OffsetReset.Earliest,
                AutoOffsetReset.Error => OffsetReset.None,
                _ => OffsetReset.Latest,
            },
            RetryBackoffMs = Int(config, "retry.backoff.ms", 100, min: 0),
            MetadataMaxAgeMs = Int(config, "metadata.max.age.ms", 300000, min: 1),
            EnablePartitionEof = Typed(() => config.EnablePartitionEof) ?? false,
        };
        var defaults = new KafkaConnectionOptions();
        var requestTimeoutMs = Int(config, "request.timeout.ms", 30000, min: 1);
        if (requestTimeoutMs <= fetch.FetchMaxWaitMs)
        {
            throw new ArgumentException($"Configuration property 'request.timeout.ms' ({requestTimeoutMs}) must be greater than 'fetch.max.wait.ms' ({fetch.FetchMaxWaitMs}): the broker holds fetches that long.");
        }

        var connection = new KafkaConnectionOptions
        {
            ClientId = config.ClientId ?? "platform-consumer",
            RequestTimeout = TimeSpan.FromMilliseconds(requestTimeoutMs),
            ConnectTimeout = TimeSpan.FromMilliseconds(Int(config, "socket.connection.setup.timeout.ms", (int)defaults.ConnectTimeout.TotalMilliseconds, min: 1)),
            ReceiveBufferSize = Int(config, "receive.buffer.bytes", -1, min: -1),
            ReadSize = 64 * 1024,
        };

        return new Consumer.Consumer<TKey, TValue>(new ConsumerSettings<TKey, TValue>
        {
            Bootstrap = bootstrap,
            Connection = connection,
            Fetch = fetch,
            GroupId = config.GroupId,
            MaxPollRecords = Int(config, "max.poll.records", 500, min: 1),
            CheckCrcs = Typed(() => config.CheckCrcs) ?? true,
            Key = _keyAsync is null ? _key ?? DefaultDeserializer<TKey>("key") : null,
            KeyAsync = _keyAsync,
            Value = _valueAsync is null ? _value ?? DefaultDeserializer<TValue>("value") : null,
            ValueAsync = _valueAsync,
            ErrorHandler = _errorHandler,
            Interceptors = [.. _interceptors],
            Group = GroupSettingsFrom(config, fetch, _assignor),
            EnableAutoCommit = config.GroupId is not null && (Typed(() => config.EnableAutoCommit) ?? true),
            AutoCommitInterval = TimeSpan.FromMilliseconds(Int(config, "auto.commit.interval.ms", 5000, min: 0)),
            PartitionsAssignedHandler = _assignedHandler,
            PartitionsRevokedHandler = _revokedHandler,
            PartitionsLostHandler = _lostHandler,
        });
    }

    private static Groups.GroupSettings? GroupSettingsFrom(ConsumerConfig config, FetcherOptions fetch, Groups.IPartitionAssignor? custom)
    {
        if (config.GroupId is not { } groupId)
        {
            return null;
        }

        if (groupId.Length == 0)
        {
            throw new ArgumentException("Configuration property 'group.id' must not be empty.");
        }

        var session = Int(config, "session.timeout.ms", 45000, min: 1);
        var heartbeat = Int(config, "heartbeat.interval.ms", 3000, min: 1);
        if (heartbeat >= session)
        {
            throw new ArgumentException($"Configuration property 'heartbeat.interval.ms' ({heartbeat}) must be lower than 'session.timeout.ms' ({session}).");
        }

        IReadOnlyList<Groups.IPartitionAssignor> assignors;
        if (custom is not null)
        {
            if (config.Get("partition.assignment.strategy") is { } strategy)
            {
                throw new ArgumentException($"Configuration property 'partition.assignment.strategy' ('{strategy}') cannot be combined with SetPartitionAssignor ('{custom.Name}'); remove one.");
            }

            assignors = [custom];
        }
        else
        {
            try
            {
                assignors = Groups.PartitionAssignors.Parse(config.Get("partition.assignment.strategy") ?? Groups.RangeAssignor.AssignorName);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Configuration property 'partition.assignment.strategy' is invalid: {ex.Message}", ex);
            }
        }

        return new Groups.GroupSettings
        {
            GroupId = groupId,
            GroupInstanceId = config.GroupInstanceId is { Length: > 0 } instance ? instance : null,
            SessionTimeout = TimeSpan.FromMilliseconds(session),
            HeartbeatInterval = TimeSpan.FromMilliseconds(heartbeat),
            MaxPollInterval = TimeSpan.FromMilliseconds(Int(config, "max.poll.interval.ms", 300000, min: 1)),
            RetryBackoff = TimeSpan.FromMilliseconds(fetch.RetryBackoffMs),
            MetadataMaxAge = TimeSpan.FromMilliseconds(fetch.MetadataMaxAgeMs),
            LeaveGroupOnClose = Typed(() => config.Get("internal.leave.group.on.close") is { } leave ? bool.Parse(leave) : (bool?)null) ?? true,
            Assignors = assignors,
        };
    }

    /// <summary>The built-in deserializer for <typeparamref name="T"/>, as confluent-kafka-dotnet picks them.</summary>
    private static IDeserializer<T> DefaultDeserializer<T>(string component)
    {
        object? deserializer = typeof(T) switch
        {
            var t when t == typeof(string) => Deserializers.Utf8,
            var t when t == typeof(byte[]) => Deserializers.ByteArray,
            var t when t == typeof(Null) => Deserializers.Null,
            var t when t == typeof(Ignore) => Deserializers.Ignore,
            var t when t == typeof(int) => Deserializers.Int32,
            var t when t == typeof(long) => Deserializers.Int64,
            var t when t == typeof(double) => Deserializers.Double,
            _ => null,
        };
        return deserializer as IDeserializer<T>
            ?? throw new ArgumentException($"No built-in deserializer for {component} type {typeof(T).Name}; set one with Set{char.ToUpperInvariant(component[0])}{component[1..]}Deserializer.");
    }

    private static T? Typed<T>(Func<T?> read)
        where T : struct
    {
        try
        {
            return read();
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Invalid configuration value: {ex.Message}", ex);
        }
    }

    private static int Int(ConsumerConfig config, string key, int fallback, int min)
    {
        if (config.Get(key) is not { } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new ArgumentException($"Configuration property '{key}' must be an integer of at least {min}, not '{text}'.");
        }

        return value;
    }

    private static void ThrowIfSet(bool set, string what)
    {
        if (set)
        {
            throw new InvalidOperationException($"The {what} is already set.");
        }
    }
}
