using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Diagnostics;
using Platform.Broker.Replication;
using Platform.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;
using Platform.Storage.Testing;

namespace Platform.Broker.Tests.Replication;

/// <summary>
/// The <c>Platform.Broker</c> meter read through a <see cref="MeterListener"/>, as dotnet-counters reads it: on a
/// single broker, on the leader of a replicated partition (ISR changes recorded in a real etcd) whose follower
/// stops fetching and then comes back, and on the controller of a cluster of two when the only broker holding some
/// partitions goes without a controlled shutdown.
/// </summary>
public sealed class BrokerMetricsTests : IAsyncLifetime
{
    private readonly List<EmbeddedBroker> _brokers = [];
    private readonly Dictionary<EmbeddedBroker, MeterReader> _readers = [];
    private EtcdCluster? _etcd;
    private EtcdClusterStore? _store;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var reader in _readers.Values)
        {
            reader.Dispose();
        }

        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    /// <summary>The broker's instruments as a listener sees them from now on: gauges' current values, counters' sums since.</summary>
    private Dictionary<string, long> Read(EmbeddedBroker broker)
    {
        if (!_readers.TryGetValue(broker, out var reader))
        {
            _readers[broker] = reader = new MeterReader(broker.Services.GetRequiredService<BrokerMetrics>().Meter);
        }

        return reader.Read();
    }

    private sealed class MeterReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counters = [];
        private readonly Lock _lock = new();
        private Dictionary<string, long> _gauges = [];

        public MeterReader(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
            {
                lock (_lock)
                {
                    _gauges[instrument.Name] = value;
                }
            });
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                lock (_lock)
                {
                    _counters[instrument.Name] = _counters.GetValueOrDefault(instrument.Name) + value;
                }
            });
            _listener.Start();
        }

        public Dictionary<string, long> Read()
        {
            lock (_lock)
            {
                _gauges = [];
            }

            _listener.RecordObservableInstruments();
            lock (_lock)
            {
                return _gauges.Concat(_counters).ToDictionary();
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task SingleBroker_LeadsEveryPartition_NoneUnderReplicated_AndIsItsOwnController()
    {
        var broker = await EmbeddedBroker.StartAsync();
        _brokers.Add(broker);
        await using var connection = await RawConnection.ConnectAsync(broker);
        Assert.Equal(0, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("counted", 3), 7)).Topics).ErrorCode);

        var values = Read(broker);

        Assert.Equal(BrokerMetrics.MeterName, broker.Services.GetRequiredService<BrokerMetrics>().Meter.Name);
        Assert.Equal(3, values["broker.partitions"]);
        Assert.Equal(3, values["broker.partitions.leader"]);
        Assert.Equal(0, values["broker.partitions.under_replicated"]);
        Assert.Equal(0, values["broker.partitions.under_min_isr"]);
        Assert.Equal(1, values["broker.controller.active"]);
        Assert.Equal(0, values["broker.controller.partitions.offline"]);
    }

    [Fact]
    public async Task Leader_FollowerStopsFetching_UnderReplicatedAndUnderMinIsrWithAShrink_ThenAnExpandWhenItReturns()
    {
        // Roles are applied as the cluster service would; the leader records its ISR changes in a real etcd
        // through the broker's own ISR store (where shrinks and expands are counted).
        _etcd = await EtcdCluster.StartAsync();
        _store = EtcdClusterStore.Connect(_etcd.Endpoints, "/metrics");

        // Registered as the cluster service would register them: only a registered broker's replica may join an ISR.
        await using var first = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "127.0.0.1", 9091), TimeSpan.FromSeconds(30));
        await using var second = await _store.RegisterBrokerAsync(new BrokerRegistration(2, "127.0.0.1", 9092), TimeSpan.FromSeconds(30));
        foreach (var id in new[] { 1, 2 })
        {
            var broker = await EmbeddedBroker.StartAsync(
                o =>
                {
                    o.NodeId = id;
                    o.ReplicaLagTimeMaxMs = 1_000;
                    o.ReplicaFetchBackoffMs = 100;
                    o.OffsetsTopicNumPartitions = 1;
                },
                configureServices: services => services.AddSingleton<IIsrStore>(sp =>
                {
                    var store = sp.GetRequiredService<ClusterIsrStore>();
                    store.Connect(_store);
                    return store;
                }));
            _brokers.Add(broker);
            await using var connection = await RawConnection.ConnectAsync(broker);
            await connection.CreateTopicAsync("watched", ("min.insync.replicas", "2"));
        }

        var endpoints = _brokers.Select((b, i) => new BrokerEndpoint(i + 1, "127.0.0.1", b.Port)).ToDictionary(e => e.Id);
        var role = new PartitionRole(1, 0, [1, 2], [1, 2], 0);
        Assert.NotNull(await _store.TryUpdatePartitionStateAsync("watched", 0, new PartitionState(1, 0, [1, 2], 0, 0), 0));
        foreach (var broker in _brokers)
        {
            broker.Services.GetRequiredService<IReplicaManager>().UpdateBrokers(endpoints);
            await broker.Services.GetRequiredService<IReplicaManager>().ApplyRoleAsync(Hosted(broker), role, CancellationToken.None);
        }

        var (leader, follower) = (_brokers[0], _brokers[1]);
        var before = Read(leader);
        Assert.Equal(1, before["broker.partitions.leader"]);
        Assert.Equal(0, before["broker.partitions.under_replicated"]);
        Assert.Equal(0, Read(follower)["broker.partitions.leader"]);

        var replicas = follower.Services.GetRequiredService<IReplicaManager>();
        await replicas.StopReplicaAsync(Hosted(follower), CancellationToken.None);

        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Read(leader)["broker.partitions.under_replicated"] == 1), TimeSpan.FromSeconds(20)));
        var during = Read(leader);
        Assert.Equal(1, during["broker.partitions.under_min_isr"]);
        Assert.Equal(1, during["broker.isr.shrinks"]);
        Assert.Equal(0, during.GetValueOrDefault("broker.isr.expands"));
        Assert.Equal(0, Read(follower)["broker.partitions.under_replicated"]);

        // The follower resumes under the role the leader's shrink left: it catches up and is taken back.
        await replicas.ApplyRoleAsync(Hosted(follower), Hosted(leader).Role, CancellationToken.None);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Read(leader)["broker.partitions.under_replicated"] == 0), TimeSpan.FromSeconds(20)));
        var after = Read(leader);
        Assert.Equal(1, after["broker.isr.expands"]);
        Assert.Equal(0, after["broker.partitions.under_min_isr"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Controller_ABrokerWithTheOnlyReplicasStopsUncleanly_CountsTheirPartitionsOffline(bool victimIsController)
    {
        _etcd = await EtcdCluster.StartAsync();
        var first = await StartClusteredAsync(1);
        Assert.True(await View(first).WaitForAsync(v => v.ControllerId == 1, TimeSpan.FromSeconds(20), CancellationToken.None));
        var second = await StartClusteredAsync(2);
        Assert.True(await View(first).WaitForAsync(v => v.Brokers.Count == 2, TimeSpan.FromSeconds(20), CancellationToken.None));
        var (victim, survivor) = victimIsController ? (first, second) : (second, first);
        var (victimId, survivorId) = victimIsController ? (1, 2) : (2, 1);

        // Partition 0 only on the victim, partition 1 only on the survivor.
        await using (var connection = await RawConnection.ConnectAsync(first))
        {
            var request = new CreateTopicsRequest
            {
                TimeoutMs = 5000,
                Topics = [new() { Name = "solo", NumPartitions = -1, ReplicationFactor = -1, Assignments = [new() { PartitionIndex = 0, BrokerIds = [victimId] }, new() { PartitionIndex = 1, BrokerIds = [survivorId] }] }],
            };
            var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics);
            Assert.True(created.ErrorCode == 0, created.ErrorMessage);
        }

        Assert.True(await View(survivor).WaitForAsync(v => v.Leader("solo", 0)?.Id == victimId && v.Leader("solo", 1)?.Id == survivorId, TimeSpan.FromSeconds(20), CancellationToken.None));
        Assert.Equal(0, Read(first)["broker.controller.partitions.offline"]);

        // No controlled shutdown: the broker goes with its leadership, as a kill would once its lease ends.
        _brokers.Remove(victim);
        await victim.DisposeAsync();

        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Read(survivor)["broker.controller.partitions.offline"] == 1), TimeSpan.FromSeconds(20)));
        Assert.Equal(0, Read(survivor)["broker.partitions.under_replicated"]);
    }

    [Fact]
    public async Task LeaderLogGoesOffline_LeadershipMovesToTheIsr_APartitionWithNoOtherReplicaCountsOffline()
    {
        _etcd = await EtcdCluster.StartAsync();
        var disk = new FaultInjectingFileSystem();
        var first = await StartClusteredAsync(1, services => services.AddSingleton<IStorageFileSystem>(disk));
        Assert.True(await View(first).WaitForAsync(v => v.ControllerId == 1, TimeSpan.FromSeconds(20), CancellationToken.None));
        var second = await StartClusteredAsync(2);
        Assert.True(await View(first).WaitForAsync(v => v.Brokers.Count == 2, TimeSpan.FromSeconds(20), CancellationToken.None));

        // "disk" on both brokers, "solo" only on the first; the first leads both.
        await using var connection = await RawConnection.ConnectAsync(first);
        var request = new CreateTopicsRequest
        {
            TimeoutMs = 5000,
            Topics =
            [
                new() { Name = "disk", NumPartitions = -1, ReplicationFactor = -1, Assignments = [new() { PartitionIndex = 0, BrokerIds = [1, 2] }] },
                new() { Name = "solo", NumPartitions = -1, ReplicationFactor = -1, Assignments = [new() { PartitionIndex = 0, BrokerIds = [1] }] },
            ],
        };
        Assert.All((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics, t => Assert.True(t.ErrorCode == 0, t.ErrorMessage));
        Assert.True(await View(second).WaitForAsync(v => v.State("disk", 0) is { Leader: 1, Isr.Length: 2 } && v.State("solo", 0) is { Leader: 1 }, TimeSpan.FromSeconds(20), CancellationToken.None));
        Assert.True(await Wire.EventuallyAsync(
            async () => (await connection.ProduceAsync("disk", Wire.Batch(0, ("k", "acknowledged")))).ErrorCode == 0, TimeSpan.FromSeconds(20)));
        Assert.Equal(0, Read(first)["broker.controller.partitions.offline"]);

        // The first broker's disk fails under both: their logs there go offline.
        disk.AppendFault = path => path.Contains($"{Path.DirectorySeparatorChar}disk-0", StringComparison.Ordinal)
            || path.Contains($"{Path.DirectorySeparatorChar}solo-0", StringComparison.Ordinal) ? new IOException("injected I/O error") : null;
        Assert.Equal((short)ErrorCode.KafkaStorageError, (await connection.ProduceAsync("disk", Wire.Batch(0, ("k", "failed")))).ErrorCode);
        Assert.Equal((short)ErrorCode.KafkaStorageError, (await connection.ProduceAsync("solo", Wire.Batch(0, ("k", "failed")))).ErrorCode);

        // As in Kafka after a log directory failure: the other ISR member leads "disk" without the first broker in its
        // ISR, and "solo", with no other replica, has no leader and counts as offline.
        Assert.True(await View(second).WaitForAsync(
            v => v.State("disk", 0) is { Leader: 2, Isr: [2] } && v.State("solo", 0) is { Leader: -1 }, TimeSpan.FromSeconds(20), CancellationToken.None),
            $"disk: {View(second).View.State("disk", 0)}, solo: {View(second).View.State("solo", 0)}");
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Read(first)["broker.controller.partitions.offline"] == 1), TimeSpan.FromSeconds(20)));
        await using var survivor = await RawConnection.ConnectAsync(second);
        var metadata = await survivor.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "disk" }, new() { Name = "solo" }] }, 12);
        Assert.All(metadata.Topics, t => Assert.Equal([1], Assert.Single(t.Partitions).OfflineReplicas));
        Assert.True(await Wire.EventuallyAsync(
            async () => (await survivor.ProduceAsync("disk", Wire.Batch(0, ("k", "after")))).ErrorCode == 0, TimeSpan.FromSeconds(20)));
        Assert.Equal(["acknowledged", "after"], (await survivor.ConsumeAllAsync("disk")).Select(r => r.Value));
    }

    private async Task<EmbeddedBroker> StartClusteredAsync(int id, Action<IServiceCollection>? configureServices = null)
    {
        var broker = await _etcd!.StartBrokerAsync(id, configureServices: configureServices);
        _brokers.Add(broker);
        return broker;
    }

    private static ClusterMetadata View(EmbeddedBroker broker) => broker.Services.GetRequiredService<ClusterMetadata>();

    private static Partition Hosted(EmbeddedBroker broker) => broker.Services.GetRequiredService<TopicManager>().GetPartition("watched", 0)!;
}
