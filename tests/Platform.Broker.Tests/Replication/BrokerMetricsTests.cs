using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Diagnostics;
using Platform.Broker.Replication;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Replication;

/// <summary>
/// The <c>Platform.Broker</c> meter read through a <see cref="MeterListener"/>, as dotnet-counters reads it: on a
/// single broker, and on the leader of a replicated partition (a real etcd and the cluster service) whose follower
/// stops fetching and then comes back.
/// </summary>
public sealed class BrokerMetricsTests : IAsyncLifetime
{
    private readonly List<EmbeddedBroker> _brokers = [];
    private readonly Dictionary<EmbeddedBroker, MeterReader> _readers = [];
    private EtcdCluster? _etcd;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var reader in _readers.Values)
        {
            reader.Dispose();
        }

        foreach (var broker in _brokers)
        {
            if (broker.Options.IsClustered)
            {
                await broker.Services.GetRequiredService<ClusterService>().StopAsync(CancellationToken.None);
            }

            await broker.DisposeAsync();
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
        _etcd = await EtcdCluster.StartAsync();
        var endpoints = string.Join(',', _etcd.Endpoints);
        foreach (var id in new[] { 1, 2 })
        {
            var broker = await EmbeddedBroker.StartAsync(o =>
            {
                o.NodeId = id;
                o.EtcdEndpoints = endpoints;
                o.BrokerSessionTimeoutMs = 2_000;
                o.ReplicaLagTimeMaxMs = 1_000;
                o.ReplicaFetchBackoffMs = 100;
                o.OffsetsTopicNumPartitions = 1;
            });
            _brokers.Add(broker);

            // The embedded broker starts only its listener; the host would start the cluster service after it.
            await broker.Services.GetRequiredService<ClusterService>().StartAsync(CancellationToken.None);
        }

        await using (var connection = await RawConnection.ConnectAsync(_brokers[0]))
        {
            Assert.True(await Wire.EventuallyAsync(
                async () => (await connection.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [] }, 12)).Brokers.Count == 2, TimeSpan.FromSeconds(20)));
            var request = Wire.CreateTopicRequest("watched", 1, 2);
            request.Topics[0].Configs = [new() { Name = "min.insync.replicas", Value = "2" }];
            Assert.Equal(0, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics).ErrorCode);
        }

        Partition Hosted(EmbeddedBroker b) => b.Services.GetRequiredService<TopicManager>().GetPartition("watched", 0)!;
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(_brokers.All(b => Hosted(b) is { Role.Isr.Count: 2 })), TimeSpan.FromSeconds(20)));
        var leaderId = Hosted(_brokers[0]).Role.Leader;
        var leader = _brokers[leaderId - 1];
        var follower = _brokers[2 - leaderId];
        Read(leader);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Read(leader)["broker.partitions.leader"] >= 1), TimeSpan.FromSeconds(10)));
        var before = Read(leader);
        Assert.Equal(0, before["broker.partitions.under_replicated"]);
        Assert.Equal(0, before.GetValueOrDefault("broker.isr.shrinks"));

        var replicas = follower.Services.GetRequiredService<IReplicaManager>();
        await replicas.StopReplicaAsync(Hosted(follower), CancellationToken.None);

        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Read(leader)["broker.partitions.under_replicated"] == 1), TimeSpan.FromSeconds(20)));
        var during = Read(leader);
        Assert.Equal(1, during["broker.partitions.under_min_isr"]);
        Assert.Equal(1, during["broker.isr.shrinks"]);
        Assert.Equal(0, during.GetValueOrDefault("broker.isr.expands"));
        Assert.Equal(0, Read(follower)["broker.partitions.under_replicated"]);

        // The follower resumes under the role the leader's shrink left: it catches up and is taken back.
        var role = Hosted(leader).Role;
        await replicas.ApplyRoleAsync(Hosted(follower), role, CancellationToken.None);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Read(leader)["broker.partitions.under_replicated"] == 0), TimeSpan.FromSeconds(20)));
        var after = Read(leader);
        Assert.Equal(1, after["broker.isr.expands"]);
        Assert.Equal(0, after["broker.partitions.under_min_isr"]);
    }
}
