using Platform.Testing;

namespace Platform.Cluster.Tests;

/// <summary>The cluster state against a real single-member etcd, each test under its own root.</summary>
public sealed class EtcdClusterStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);
    private EtcdCluster _etcd = null!;
    private EtcdClusterStore _store = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync();
        _store = EtcdClusterStore.Connect(_etcd.Endpoints, "/test-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _etcd.DisposeAsync();
    }

    [Fact]
    public async Task RegisterBroker_ListedUntilDisposed()
    {
        var session = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "127.0.0.1", 9092, "r1"), LeaseTtl);

        var (brokers, _) = await _store.GetBrokersAsync();
        Assert.Equal([new BrokerRegistration(1, "127.0.0.1", 9092, "r1")], brokers);

        await session.DisposeAsync();
        Assert.Empty((await _store.GetBrokersAsync()).Brokers);
    }

    [Fact]
    public async Task Session_DisposedTwice_SecondDisposeDoesNothing()
    {
        // The broker's session loop disposes a lost session before registering again, and the broker's own disposal may too.
        var session = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);

        await session.DisposeAsync();
        await session.DisposeAsync();

        Assert.True(session.Lost.IsCancellationRequested);
        Assert.Empty((await _store.GetBrokersAsync()).Brokers);
    }

    [Fact]
    public async Task RegisterBroker_IdTaken_FailsNamingTheId()
    {
        await using var first = await _store.RegisterBrokerAsync(new BrokerRegistration(7, "127.0.0.1", 9092), LeaseTtl);

        var ex = await Assert.ThrowsAsync<ClusterException>(() => _store.RegisterBrokerAsync(new BrokerRegistration(7, "127.0.0.1", 9093), LeaseTtl));
        Assert.Contains("broker.id 7 is already registered", ex.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9092", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_KeepsTheLeaseAliveBeyondItsTimeToLive()
    {
        await using var session = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);

        await Task.Delay(LeaseTtl * 2.5);

        Assert.False(session.Lost.IsCancellationRequested);
        Assert.Single((await _store.GetBrokersAsync()).Brokers);
    }

    [Fact]
    public async Task Session_LeaseRevokedElsewhere_IsLostAndUnregistered()
    {
        await using var session = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);
        var lost = new TaskCompletionSource();
        using var registration = session.Lost.Register(() => lost.TrySetResult());

        await _store.RevokeLeaseAsync(session.LeaseId, CancellationToken.None);

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty((await _store.GetBrokersAsync()).Brokers);
    }

    [Fact]
    public async Task Controller_SecondClaimFails_CampaignWinsWhenHolderGoes_OldEpochIsFenced()
    {
        var a = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);
        await using var b = await _store.RegisterBrokerAsync(new BrokerRegistration(2, "h", 2), LeaseTtl);

        var epochA = await _store.TryClaimControllerAsync(a);
        Assert.NotNull(epochA);
        Assert.Null(await _store.TryClaimControllerAsync(b));
        Assert.Equal((1, epochA.Value), await _store.GetControllerAsync());

        var campaign = _store.CampaignAsync(b);
        await Task.Delay(300);
        Assert.False(campaign.IsCompleted);

        await a.DisposeAsync(); // a controlled shutdown: its lease and so the controller key go
        var epochB = await campaign.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(epochB > epochA);
        Assert.Equal((2, epochB), await _store.GetControllerAsync());

        // The deposed controller's writes fail, the new one's succeed.
        var assignment = new TopicAssignment(Guid.NewGuid(), [[1, 2]]);
        var state = new PartitionState(1, 0, [1, 2], 0, epochA.Value);
        await Assert.ThrowsAsync<NotControllerException>(() => _store.CreateTopicAsync(epochA.Value, "t", assignment, [state]));
        Assert.True(await _store.CreateTopicAsync(epochB, "t", assignment, [state with { ControllerEpoch = epochB }]));
    }

    [Fact]
    public async Task Controller_Resign_LetsTheNextCampaignWin()
    {
        await using var a = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);
        await using var b = await _store.RegisterBrokerAsync(new BrokerRegistration(2, "h", 2), LeaseTtl);
        var epochA = (await _store.TryClaimControllerAsync(a))!.Value;
        var campaign = _store.CampaignAsync(b);

        await _store.ResignControllerAsync(epochA);

        Assert.True(await campaign.WaitAsync(TimeSpan.FromSeconds(10)) > epochA);
    }

    [Fact]
    public async Task CreateTopic_ManyPartitions_AllVisible_SecondCreateRefused_DeleteRemovesAll()
    {
        await using var session = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);
        var epoch = (await _store.TryClaimControllerAsync(session))!.Value;
        const int partitions = 250; // more than one etcd transaction holds
        var assignment = new TopicAssignment(Guid.NewGuid(), [.. Enumerable.Range(0, partitions).Select(_ => new[] { 1 })]);
        var states = Enumerable.Range(0, partitions).Select(p => new PartitionState(1, 0, [1], 0, epoch)).ToArray();

        Assert.True(await _store.CreateTopicAsync(epoch, "orders", assignment, states));
        Assert.False(await _store.CreateTopicAsync(epoch, "orders", assignment, states));

        var (topics, _) = await _store.GetTopicsAsync();
        Assert.Equal(assignment.TopicId, topics["orders"].Value.TopicId);
        Assert.Equal(partitions, topics["orders"].Value.Replicas.Length);
        var (all, _) = await _store.GetPartitionStatesAsync();
        Assert.Equal(partitions, all.Count);
        Assert.Equal([1], all[("orders", 249)].Value.Isr);

        Assert.True(await _store.DeleteTopicAsync(epoch, "orders"));
        Assert.Empty((await _store.GetTopicsAsync()).Topics);
        Assert.Empty((await _store.GetPartitionStatesAsync()).States);
        Assert.False(await _store.DeleteTopicAsync(epoch, "orders"));
    }

    [Fact]
    public async Task PartitionState_StaleRevision_IsRefused_CurrentOneApplies()
    {
        await using var session = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);
        var epoch = (await _store.TryClaimControllerAsync(session))!.Value;
        await _store.CreateTopicAsync(epoch, "t", new TopicAssignment(Guid.NewGuid(), [[1, 2, 3]]), [new PartitionState(1, 0, [1, 2, 3], 0, epoch)]);
        var read = (await _store.GetPartitionStateAsync("t", 0))!.Value;

        // The leader shrinks the ISR (no controller epoch: fenced by the state's revision alone).
        var shrunk = read.Value with { Isr = [1, 2], PartitionEpoch = 1 };
        var revision = await _store.TryUpdatePartitionStateAsync("t", 0, shrunk, read.ModRevision);
        Assert.NotNull(revision);

        // A controller that read before the shrink can't overwrite it with a leader change.
        Assert.Null(await _store.TryUpdatePartitionStateAsync("t", 0, read.Value with { Leader = 2, LeaderEpoch = 1 }, read.ModRevision, epoch));

        var now = (await _store.GetPartitionStateAsync("t", 0))!.Value;
        Assert.Equal(revision, now.ModRevision);
        Assert.Equal([1, 2], now.Value.Isr);
    }

    [Fact]
    public async Task WatchPartitionStates_DeliversEveryChangeInOrder()
    {
        await using var session = await _store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), LeaseTtl);
        var epoch = (await _store.TryClaimControllerAsync(session))!.Value;
        var (_, start) = await _store.GetPartitionStatesAsync();
        var seen = new List<(string Topic, int Partition, int? LeaderEpoch)>();
        var gotAll = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var watch = _store.WatchPartitionStatesAsync(start + 1, (topic, partition, state) =>
        {
            lock (seen)
            {
                seen.Add((topic, partition, state?.Value.LeaderEpoch));
                if (seen.Count == 5)
                {
                    gotAll.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        }, stop.Token);

        await _store.CreateTopicAsync(epoch, "t", new TopicAssignment(Guid.NewGuid(), [[1], [1]]), [new(1, 0, [1], 0, epoch), new(1, 0, [1], 0, epoch)]);
        var state = (await _store.GetPartitionStateAsync("t", 1))!.Value;
        await _store.TryUpdatePartitionStateAsync("t", 1, state.Value with { LeaderEpoch = 1 }, state.ModRevision, epoch);
        await _store.DeleteTopicAsync(epoch, "t");

        await gotAll.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        Assert.Equal([("t", 0, 0), ("t", 1, 0), ("t", 1, 1), ("t", 0, null), ("t", 1, null)], seen);
    }

    [Fact]
    public async Task WatchBrokers_SeesJoinAndLeave()
    {
        var (_, start) = await _store.GetBrokersAsync();
        var changes = new List<(int Id, bool Joined)>();
        var left = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var watch = _store.WatchBrokersAsync(start + 1, (id, registration) =>
        {
            lock (changes)
            {
                changes.Add((id, registration is not null));
                if (registration is null)
                {
                    left.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        }, stop.Token);

        var session = await _store.RegisterBrokerAsync(new BrokerRegistration(3, "h", 3), LeaseTtl);
        await session.DisposeAsync();

        await left.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        Assert.Equal([(3, true), (3, false)], changes);
    }
}
