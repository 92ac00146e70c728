using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Replication;
using Platform.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Replication;

/// <summary>
/// Two clustered brokers on a real etcd, the cluster service applying the watched state: what a broker's Metadata
/// answers (its <see cref="ClusterMetadata"/> view) must never run ahead of what its partitions act on. Otherwise a
/// producer that already sees an ISR shrunk below min.insync.replicas is appended under the old ISR and failed after
/// the append (NOT_ENOUGH_REPLICAS_AFTER_APPEND) instead of refused before it (ReplicationChaosTests under CI).
/// </summary>
public sealed class ClusterViewOrderTests : IAsyncLifetime
{
    private readonly List<EmbeddedBroker> _brokers = [];
    private readonly List<(PartitionState? View, PartitionRole Applied, ErrorCode AcksAllCheck)> _applied = [];
    private EtcdCluster _etcd = null!;

    public async Task InitializeAsync() => _etcd = await EtcdCluster.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        await _etcd.DisposeAsync();
    }

    [Fact]
    public async Task ControllerShrinksTheIsrBelowMinInsync_TheLeaderRefusesAcksAllBeforeItsMetadataShowsTheShrink()
    {
        var leader = await StartClusteredAsync(1, observe: true);
        Assert.True(await View(leader).WaitForAsync(v => v.ControllerId == 1, TimeSpan.FromSeconds(20), CancellationToken.None));
        var follower = await StartClusteredAsync(2, observe: false);
        Assert.True(await View(leader).WaitForAsync(v => v.Brokers.Count == 2, TimeSpan.FromSeconds(20), CancellationToken.None));

        await using var connection = await RawConnection.ConnectAsync(leader);
        var request = new CreateTopicsRequest
        {
            TimeoutMs = 5000,
            Topics = [new() { Name = "watched", NumPartitions = -1, ReplicationFactor = -1, Assignments = [new() { PartitionIndex = 0, BrokerIds = [1, 2] }], Configs = [new() { Name = "min.insync.replicas", Value = "2" }] }],
        };
        var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics);
        Assert.True(created.ErrorCode == 0, created.ErrorMessage);
        Assert.True(await Wire.EventuallyAsync(
            async () => (await connection.ProduceAsync("watched", Wire.Batch(0, ("k", "before")))).ErrorCode == 0, TimeSpan.FromSeconds(20)));

        // The follower goes without a controlled shutdown; the leader's own lag check is far off, so the controller
        // takes it out of the ISR and the leader hears of it through the watch alone.
        _brokers.Remove(follower);
        await follower.DisposeAsync();
        Assert.True(await View(leader).WaitForAsync(v => v.State("watched", 0)?.Isr is [1], TimeSpan.FromSeconds(20), CancellationToken.None));

        List<(PartitionState? View, PartitionRole Applied, ErrorCode AcksAllCheck)> applied;
        lock (_applied)
        {
            applied = [.. _applied];
        }

        var shrink = Assert.Single(applied, a => a.Applied.Isr is [1]);
        Assert.True(shrink.View is null || shrink.View.Isr.Length == 2, $"the metadata showed ISR [{string.Join(',', shrink.View?.Isr ?? [])}] before the leader applied it; acks=all passed the check before the append: {shrink.AcksAllCheck}");
        Assert.Equal(ErrorCode.NotEnoughReplicas, (ErrorCode)(await connection.ProduceAsync("watched", Wire.Batch(0, ("k", "refused")))).ErrorCode);
    }

    private async Task<EmbeddedBroker> StartClusteredAsync(int id, bool observe)
    {
        var broker = await _etcd.StartBrokerAsync(
            id,
            o => o.ReplicaLagTimeMaxMs = 120_000,
            observe
                ? services => services.AddSingleton<IReplicaManager>(sp => new ViewAtApply(sp.GetRequiredService<ReplicaManager>(), sp.GetRequiredService<ClusterMetadata>(), this))
                : null);
        _brokers.Add(broker);
        return broker;
    }

    private static ClusterMetadata View(EmbeddedBroker broker) => broker.Services.GetRequiredService<ClusterMetadata>();

    /// <summary>
    /// The broker's own replica manager, unchanged; each role change of "watched" first notes what the broker's
    /// Metadata would answer at that moment and whether an acks=all produce would pass the check before the append.
    /// </summary>
    private sealed class ViewAtApply(ReplicaManager inner, ClusterMetadata metadata, ClusterViewOrderTests test) : IReplicaManager
    {
        public Task ApplyRoleAsync(Partition partition, PartitionRole role, CancellationToken cancellationToken)
        {
            if (partition.Topic.Name == "watched")
            {
                lock (test._applied)
                {
                    test._applied.Add((metadata.View.State("watched", partition.Index), role, partition.CheckEnoughReplicas()));
                }
            }

            return inner.ApplyRoleAsync(partition, role, cancellationToken);
        }

        public Task StopReplicaAsync(Partition partition, CancellationToken cancellationToken) => inner.StopReplicaAsync(partition, cancellationToken);

        public void UpdateBrokers(IReadOnlyDictionary<int, BrokerEndpoint> brokers) => inner.UpdateBrokers(brokers);
    }
}
