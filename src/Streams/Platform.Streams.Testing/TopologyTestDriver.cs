using Microsoft.Extensions.Logging.Abstractions;
using Platform.Client;
using Platform.Client.Serialization;
using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Testing;

/// <summary>
/// Runs a topology without a broker or threads, deterministically: pipe records into input topics, advance
/// the wall clock, read output topics and stores. It runs the same tasks as the real runtime (one task per
/// sub-topology, every topic with one partition); after each input record it processes everything that
/// follows from it (repartition topics included) and commits, so caches flush after every record.
/// </summary>
public sealed class TopologyTestDriver : IDisposable
{
    private readonly TopologyMetadata _metadata;
    private readonly MockClock _clock;
    private readonly DriverCollector _collector;
    private readonly List<StreamTask> _tasks = [];
    private readonly GlobalStateTask? _globalTask;
    private readonly HashSet<string> _globalTopics;
    private readonly Dictionary<string, long> _inputOffsets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _readPositions = new(StringComparer.Ordinal);
    private readonly string _stateDir;
    private bool _disposed;

    /// <summary>A driver for <paramref name="topology"/>; <paramref name="config"/> defaults <c>application.id</c> and uses a temporary <c>state.dir</c>.</summary>
    /// <exception cref="StreamsConfigException">A setting is invalid (the message names it).</exception>
    /// <exception cref="TopologyException">The topology cannot run (a missing serde names the operator).</exception>
    public TopologyTestDriver(Topology topology, StreamsConfig? config = null, DateTimeOffset? initialWallClockTime = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        config = config?.Clone() ?? new StreamsConfig();
        config.ApplicationId ??= "topology-test-driver";
        _stateDir = Path.Combine(Path.GetTempPath(), "platform-streams-test-" + Guid.NewGuid().ToString("N"));
        if (config[StreamsConfig.StateDirConfig] is null)
        {
            config.StateDir = _stateDir;
        }

        config.Validate();
        _metadata = topology.Build(config);
        _clock = new MockClock((initialWallClockTime ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds());
        _globalTopics = new HashSet<string>(_metadata.GlobalTopics, StringComparer.Ordinal);
        _collector = new DriverCollector(topic => TaskReading(topic) is not null || _globalTopics.Contains(topic));
        var cache = new ThreadCache(config.StateStoreCacheMaxBytes);
        var environment = new TaskEnvironment(config, _collector, cache, _clock, NullLogger.Instance, new Dictionary<string, IStateStore>());
        try
        {
            _globalTask = _metadata.CreateGlobalTask(environment);
            _globalTask?.InitializeStores();
            _globalTask?.InitializeTopology();
            var globalStores = _globalTask?.Stores ?? new Dictionary<string, IStateStore>();
            environment = environment with { GlobalStores = globalStores };
            foreach (var subtopology in _metadata.Subtopologies)
            {
                var partitions = subtopology.SourceTopics.Select(t => new TopicPartition(t, 0)).ToList();
                var task = _metadata.CreateTask(new Processors.TaskId(subtopology.Id, 0), partitions, environment);
                task.InitializeStores();
                task.InitializeTopology();
                _tasks.Add(task);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The wall-clock time the driver's punctuators and processors see.</summary>
    public DateTimeOffset WallClockTime => DateTimeOffset.FromUnixTimeMilliseconds(_clock.NowMs);

    /// <summary>Every topic the topology wrote to so far (sinks, changelogs, repartition and dead-letter topics).</summary>
    public IReadOnlySet<string> ProducedTopicNames => new HashSet<string>(_collector.Topics.Keys, StringComparer.Ordinal);

    /// <summary>An input topic with serializers; records get timestamps from <paramref name="startTimestamp"/> (default: the wall clock), advancing by <paramref name="autoAdvance"/> per record.</summary>
    public TestInputTopic<TKey, TValue> CreateInputTopic<TKey, TValue>(string topic, ISerializer<TKey> keySerializer, ISerializer<TValue> valueSerializer, DateTimeOffset? startTimestamp = null, TimeSpan? autoAdvance = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(keySerializer);
        ArgumentNullException.ThrowIfNull(valueSerializer);
        return new TestInputTopic<TKey, TValue>(this, topic, keySerializer, valueSerializer, startTimestamp?.ToUnixTimeMilliseconds() ?? _clock.NowMs, autoAdvance ?? TimeSpan.Zero);
    }

    /// <summary>An output topic with deserializers; each read takes the next record the topology wrote there.</summary>
    public TestOutputTopic<TKey, TValue> CreateOutputTopic<TKey, TValue>(string topic, IDeserializer<TKey> keyDeserializer, IDeserializer<TValue> valueDeserializer)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(keyDeserializer);
        ArgumentNullException.ThrowIfNull(valueDeserializer);
        return new TestOutputTopic<TKey, TValue>(this, topic, keyDeserializer, valueDeserializer);
    }

    /// <summary>Moves the wall clock on, fires the wall-clock punctuators that came due, and processes what follows.</summary>
    public void AdvanceWallClockTime(TimeSpan advance)
    {
        if (advance < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(advance), advance, "The wall clock only moves forward.");
        }

        _clock.NowMs += (long)advance.TotalMilliseconds;
        foreach (var task in _tasks)
        {
            task.MaybePunctuateSystemTime();
        }

        CompleteAllWork();
    }

    /// <summary>A store by name (task-local or global), or null.</summary>
    public IStateStore? GetStateStore(string name)
    {
        foreach (var task in _tasks)
        {
            if (task.Stores.TryGetValue(name, out var store))
            {
                return store;
            }
        }

        return _globalTask?.Stores.GetValueOrDefault(name);
    }

    /// <summary>Every store by name.</summary>
    public IReadOnlyDictionary<string, IStateStore> GetAllStateStores()
    {
        var stores = new Dictionary<string, IStateStore>(StringComparer.Ordinal);
        foreach (var (name, store) in _tasks.SelectMany(t => t.Stores).Concat(_globalTask?.Stores ?? new Dictionary<string, IStateStore>()))
        {
            stores[name] = store;
        }

        return stores;
    }

    /// <summary>A key-value store; a timestamped one is shown without its timestamps.</summary>
    /// <exception cref="InvalidOperationException">There is no such store, or it is of another kind.</exception>
    public IKeyValueStore<TKey, TValue> GetKeyValueStore<TKey, TValue>(string name) => GetStateStore(name) switch
    {
        IKeyValueStore<TKey, TValue> store => store,
        ITimestampedKeyValueStore<TKey, TValue> timestamped => new KeyValueStoreFacade<TKey, TValue>(timestamped),
        null => throw new InvalidOperationException($"The topology has no state store '{name}'."),
        var other => throw new InvalidOperationException($"State store '{name}' is a {other.GetType().Name}, not a key-value store of <{typeof(TKey).Name}, {typeof(TValue).Name}>."),
    };

    /// <summary>A timestamped key-value store.</summary>
    /// <exception cref="InvalidOperationException">There is no such store, or it is of another kind.</exception>
    public ITimestampedKeyValueStore<TKey, TValue> GetTimestampedKeyValueStore<TKey, TValue>(string name) => GetStore<ITimestampedKeyValueStore<TKey, TValue>>(name);

    /// <summary>A window store.</summary>
    /// <exception cref="InvalidOperationException">There is no such store, or it is of another kind.</exception>
    public IWindowStore<TKey, TValue> GetWindowStore<TKey, TValue>(string name) => GetStore<IWindowStore<TKey, TValue>>(name);

    /// <summary>A session store.</summary>
    /// <exception cref="InvalidOperationException">There is no such store, or it is of another kind.</exception>
    public ISessionStore<TKey, TValue> GetSessionStore<TKey, TValue>(string name) => GetStore<ISessionStore<TKey, TValue>>(name);

    /// <summary>A store of a given type.</summary>
    /// <exception cref="InvalidOperationException">There is no such store, or it is of another kind.</exception>
    public TStore GetStore<TStore>(string name) where TStore : IStateStore => GetStateStore(name) switch
    {
        TStore store => store,
        null => throw new InvalidOperationException($"The topology has no state store '{name}'."),
        var other => throw new InvalidOperationException($"State store '{name}' is a {other.GetType().Name}, not a {typeof(TStore).Name}."),
    };

    /// <summary>Closes the tasks cleanly (flushing stores) and removes the temporary state directory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var task in _tasks)
        {
            task.Close(clean: true);
        }

        _globalTask?.Close();
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    /// <summary>Pipes one record (already serialized) into <paramref name="topic"/> and processes all that follows.</summary>
    internal void Pipe(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_globalTopics.Contains(topic) && TaskReading(topic) is null)
        {
            throw new ArgumentException($"The topology reads no topic '{topic}'.", nameof(topic));
        }

        Deliver(topic, key, value, headers, timestamp);
        CompleteAllWork();
    }

    /// <summary>The next unread record of <paramref name="topic"/>, or null.</summary>
    internal ProducedRecord? ReadNext(string topic)
    {
        if (!_collector.Topics.TryGetValue(topic, out var records))
        {
            return null;
        }

        var position = _readPositions.GetValueOrDefault(topic);
        if (position >= records.Count)
        {
            return null;
        }

        _readPositions[topic] = position + 1;
        return records[position];
    }

    /// <summary>How many records of <paramref name="topic"/> are unread.</summary>
    internal int Unread(string topic)
        => _collector.Topics.TryGetValue(topic, out var records) ? records.Count - _readPositions.GetValueOrDefault(topic) : 0;

    private void Deliver(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp)
    {
        var offset = _inputOffsets.GetValueOrDefault(topic);
        _inputOffsets[topic] = offset + 1;
        var record = new ConsumedRecord(topic, 0, offset, timestamp, TimestampType.CreateTime, key, key is null, value, value is null, headers);
        if (_globalTopics.Contains(topic))
        {
            _globalTask!.Update(record);
            _globalTask.Flush();
            return;
        }

        TaskReading(topic)!.AddRecord(record);
    }

    private void CompleteAllWork()
    {
        while (true)
        {
            foreach (var task in _tasks)
            {
                while (task.Process())
                {
                }
            }

            foreach (var task in _tasks)
            {
                if (task.CommitNeeded)
                {
                    task.PrepareCommit();
                    task.PostCommit();
                }
            }

            if (_collector.ReadBack.Count == 0)
            {
                return;
            }

            while (_collector.ReadBack.TryDequeue(out var record))
            {
                // A record read back has its own headers, as one read from a broker has (a processor may change them).
                Deliver(record.Topic, record.Key, record.Value, Copy(record.Headers), record.Timestamp);
            }
        }
    }

    private static Headers? Copy(Headers? headers)
    {
        if (headers is null)
        {
            return null;
        }

        var copy = new Headers();
        foreach (var header in headers)
        {
            copy.Add(header);
        }

        return copy;
    }

    private StreamTask? TaskReading(string topic)
    {
        foreach (var task in _tasks)
        {
            if (_metadata.Subtopologies.First(s => s.Id == task.Id.Subtopology).Reads(topic))
            {
                return task;
            }
        }

        return null;
    }
}
