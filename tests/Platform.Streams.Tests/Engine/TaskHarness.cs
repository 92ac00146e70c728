using Microsoft.Extensions.Logging.Abstractions;
using Platform.Client;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Tests.Engine;

/// <summary>Builds one task of a topology with an in-memory collector and cache, as the runtime would.</summary>
internal sealed class TaskHarness
{
    public TaskHarness(Topology topology, StreamsConfig config, TaskId id, params TopicPartition[] partitions)
    {
        config.ApplicationId ??= "app";
        Metadata = topology.Build(config);
        Cache = new ThreadCache(config.StateStoreCacheMaxBytes);
        var environment = new TaskEnvironment(config, Collector, Cache, Clock, NullLogger.Instance, new Dictionary<string, IStateStore>());
        Task = Metadata.CreateTask(id, partitions, environment);
        Task.InitializeStores();
        Task.InitializeTopology();
    }

    public TopologyMetadata Metadata { get; }

    public ListRecordCollector Collector { get; } = new();

    public ThreadCache Cache { get; }

    public ManualClock Clock { get; } = new();

    public StreamTask Task { get; }

    public void Add(string topic, int partition, long offset, string key, string value, long timestamp)
    {
        var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
        var valueBytes = System.Text.Encoding.UTF8.GetBytes(value);
        Task.AddRecord(new ConsumedRecord(topic, partition, offset, timestamp, TimestampType.CreateTime, keyBytes, false, valueBytes, false, null));
    }

    internal sealed class ManualClock : IClock
    {
        public long NowMs { get; set; }
    }
}
