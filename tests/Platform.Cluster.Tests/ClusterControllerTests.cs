using Microsoft.Extensions.Logging.Abstractions;
using Platform.Testing;

namespace Platform.Cluster.Tests;

/// <summary>Three brokers' sessions, each running a controller, against a real etcd: one is active, and its decisions are checked in etcd.</summary>
public sealed class ClusterControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<int, (BrokerSession Session, ClusterController Controller, Task Run)> _brokers = [];
    private EtcdCluster _etcd = null!;
    private EtcdClusterStore _store = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync();
        _store = EtcdClusterStore.Connect(_etcd.Endpoints, "/controller-test");
        for (var id = 1; id <= 3; id++)
        {
            await StartBrokerAsync(id);
        }
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var (session, _, run) in _brokers.Values)
        {
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
            await session.DisposeAsync();
        }

        await _store.DisposeAsync();
        await _etcd.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task CreateTopic_SpreadsLeadersAndStartsWithTheFullIsr()
    {
        var controller = await ActiveAsync();

        var result = await controller.CreateTopicAsync("orders", 6, 3);

        Assert.True(result.Succeeded, result.Message);
        var states = await StatesAsync("orders");
        Assert.Equal(6, states.Count);
        Assert.All(states, s => Assert.Equal(3, s.Isr.Length));
        Assert.All(states.GroupBy(s => s.Leader), g => Assert.Equal(2, g.Count()));
        Assert.Equal(ClusterError.TopicAlreadyExists, (await controller.CreateTopicAsync("orders", 6, 3)).Error);
        Assert.Equal(ClusterError.InvalidReplicationFactor, (await controller.CreateTopicAsync("wide", 1, 4)).Error);
        Assert.Equal(ClusterError.InvalidReplicaAssignment, (await controller.CreateTopicAsync("manual", 0, 0, [[1, 9]])).Error);
    }

    [Fact]
    public async Task BrokerLost_ItsPartitionsGetNewLeadersFromTheIsr_ThenPreferredElectionBringsThemBack()
    {
        var controller = await ActiveAsync();
        Assert.True((await controller.CreateTopicAsync("t", 6, 3)).Succeeded);
        var victim = new[] { 1, 2, 3 }.First(id => _brokers[id].Controller != controller);
        var before = await StatesAsync("t");

        await StopBrokerAsync(victim, crash: true);

        var after = await WaitForAsync("t", states => states.All(s => s.Leader != victim && !s.Isr.Contains(victim)));
        for (var p = 0; p < after.Count; p++)
        {
            Assert.Equal(before[p].Leader == victim ? before[p].LeaderEpoch + 1 : before[p].LeaderEpoch, after[p].LeaderEpoch);
            Assert.NotEqual(LeaderElection.NoLeader, after[p].Leader);
        }

        // Back: the leaders add it to their ISR once it caught up (done here by hand, as a leader would), then a
        // preferred election returns leadership to it.
        await StartBrokerAsync(victim);
        for (var p = 0; p < after.Count; p++)
        {
            var current = (await _store.GetPartitionStateAsync("t", p))!.Value;
            Assert.NotNull(await _store.TryUpdatePartitionStateAsync("t", p, current.Value with { Isr = [.. current.Value.Isr, victim] }, current.ModRevision));
        }

        var results = await controller.ElectLeadersAsync(preferred: true, Enumerable.Range(0, 6).Select(p => ("t", p)));
        Assert.Equal(2, results.Values.Count(r => r.Succeeded));
        Assert.Equal(4, results.Values.Count(r => r.Error == ClusterError.ElectionNotNeeded));
        var restored = await StatesAsync("t");
        Assert.Equal(before.Select(s => s.Leader), restored.Select(s => s.Leader));
    }

    [Fact]
    public async Task PreferredElection_RightAfterThePreferredBrokerRegisteredAgain_ElectsIt()
    {
        var controller = await ActiveAsync();
        var victim = new[] { 1, 2, 3 }.First(id => _brokers[id].Controller != controller);
        var other = _brokers.First(b => b.Value.Controller == controller).Key;
        await using var extra = await _store.RegisterBrokerAsync(new BrokerRegistration(4, "127.0.0.1", 9094), LeaseTtl);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(controller.LiveBrokers.Count == 4), WaitLimit));
        Assert.True((await controller.CreateTopicAsync("t", 0, 0, [[victim, other]])).Succeeded);
        Assert.True((await controller.CreateTopicAsync("busy", 0, 0, [.. Enumerable.Repeat(new[] { other, 4 }, 300)])).Succeeded);

        await StopBrokerAsync(victim, crash: true);
        await WaitForAsync("t", states => states[0].Leader == other && states[0].Isr is [var only] && only == other);

        // Broker 4 goes: the controller takes it out of 300 ISRs, one write each, and its watch of the brokers sees
        // nothing else meanwhile. The victim registers again, its leader takes it back into the ISR (by hand here)
        // and its preferred election is asked for in that time: it must go by the brokers and the partition state
        // stored in etcd, not by the controller's copies that have not caught up.
        await _store.RevokeLeaseAsync(extra.LeaseId, CancellationToken.None);
        await StartBrokerAsync(victim);
        var current = (await _store.GetPartitionStateAsync("t", 0))!.Value;
        Assert.NotNull(await _store.TryUpdatePartitionStateAsync("t", 0, current.Value with { Isr = [other, victim] }, current.ModRevision));
        var result = (await controller.ElectLeadersAsync(preferred: true, [("t", 0)]))[("t", 0)];

        Assert.True(result.Succeeded, $"{result.Error} {result.Message}");
        Assert.Equal(victim, (await StatesAsync("t"))[0].Leader);
    }

    [Fact]
    public async Task AutoRebalance_MovesLeadershipBackToPreferredReplicas()
    {
        var controller = await ActiveAsync();
        Assert.True((await controller.CreateTopicAsync("t", 3, 2)).Succeeded);
        var victim = new[] { 1, 2, 3 }.First(id => _brokers[id].Controller != controller);
        await StopBrokerAsync(victim, crash: true);
        await WaitForAsync("t", states => states.All(s => s.Leader != victim));
        await StartBrokerAsync(victim);
        for (var p = 0; p < 3; p++)
        {
            // The controller may write the partition's state meanwhile (the victim registering again): read it again
            // and retry, or the victim stays out of the ISR and cannot take its leadership back.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                var current = (await _store.GetPartitionStateAsync("t", p))!.Value;
                if (await _store.TryUpdatePartitionStateAsync("t", p, current.Value with { Isr = [.. current.Value.Isr.Union([victim])] }, current.ModRevision) is not null)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"partition {p}'s state kept changing under the test");
            }
        }

        await controller.RebalanceLeadersAsync(controller.Epoch, CancellationToken.None);

        var (topics, _) = await _store.GetTopicsAsync();
        var states = await StatesAsync("t");
        Assert.Equal(topics["t"].Value.Replicas.Select(r => r[0]), states.Select(s => s.Leader));
    }

    [Fact]
    public async Task ControllerLost_AnotherTakesOverWithAHigherEpoch_AndKeepsElecting()
    {
        var first = await ActiveAsync();
        var firstEpoch = first.Epoch;
        Assert.True((await first.CreateTopicAsync("t", 3, 3)).Succeeded);
        var firstId = _brokers.First(b => b.Value.Controller == first).Key;

        await StopBrokerAsync(firstId, crash: true);

        var second = await ActiveAsync();
        Assert.NotSame(first, second);
        Assert.True(second.Epoch > firstEpoch);
        await WaitForAsync("t", states => states.All(s => s.Leader != firstId && !s.Isr.Contains(firstId)));

        // The deposed controller's request fails, the new one's goes through.
        Assert.Equal(ClusterError.NotController, (await first.CreateTopicAsync("late", 1, 1)).Error);
        Assert.True((await second.CreateTopicAsync("later", 1, 2)).Succeeded);
    }

    [Fact]
    public async Task Reassign_AddsTheNewReplicas_CompletesOnceTheyAreInSync_MovingLeadershipIntoTheTarget()
    {
        var controller = await ActiveAsync();
        Assert.True((await controller.CreateTopicAsync("t", 0, 0, [[1, 2]])).Succeeded);

        Assert.True((await controller.AlterReassignmentAsync("t", 0, [2, 3])).Succeeded);

        var (topics, _) = await _store.GetTopicsAsync();
        Assert.Equal([2, 3, 1], topics["t"].Value.Replicas[0]);
        var move = (await controller.ListReassignmentsAsync(null))[("t", 0)];
        Assert.Equal([3], move.Adding);
        Assert.Equal([1], move.Removing);

        // The leader (1) adds 3 to the ISR once it caught up; the controller then completes the move.
        var state = (await _store.GetPartitionStateAsync("t", 0))!.Value;
        Assert.Equal(1, state.Value.Leader);
        await _store.TryUpdatePartitionStateAsync("t", 0, state.Value with { Isr = [1, 2, 3], PartitionEpoch = state.Value.PartitionEpoch + 1 }, state.ModRevision);

        var done = await WaitForAsync("t", states => states[0].Leader != 1);
        Assert.Equal(2, done[0].Leader);
        Assert.Equal(state.Value.LeaderEpoch + 1, done[0].LeaderEpoch);
        Assert.Equal([2, 3], done[0].Isr);
        await WaitForTopicAsync("t", t => t.Reassignments is null && t.Replicas[0].SequenceEqual([2, 3]));
        Assert.Empty(await controller.ListReassignmentsAsync(null));

        // The new replicas and the new ISR in one write: no broker sees the leaving replica in the ISR of the new set.
        Assert.Equal((await _store.GetTopicAsync("t"))!.Value.ModRevision, (await _store.GetPartitionStateAsync("t", 0))!.Value.ModRevision);
    }

    [Fact]
    public async Task Reassign_Cancelled_RevertsToTheOriginalReplicas()
    {
        var controller = await ActiveAsync();
        Assert.True((await controller.CreateTopicAsync("t", 0, 0, [[1, 2]])).Succeeded);
        Assert.True((await controller.AlterReassignmentAsync("t", 0, [1, 3])).Succeeded);

        Assert.True((await controller.AlterReassignmentAsync("t", 0, null)).Succeeded);

        var (topics, _) = await _store.GetTopicsAsync();
        Assert.Equal([1, 2], topics["t"].Value.Replicas[0]);
        Assert.Null(topics["t"].Value.Reassignments?.GetValueOrDefault(0));
        Assert.Equal(ClusterError.NoReassignmentInProgress, (await controller.AlterReassignmentAsync("t", 0, null)).Error);
        Assert.Equal(ClusterError.InvalidReplicaAssignment, (await controller.AlterReassignmentAsync("t", 0, [1, 1])).Error);
        Assert.Equal(ClusterError.UnknownTopicOrPartition, (await controller.AlterReassignmentAsync("t", 5, [1])).Error);
    }

    [Fact]
    public async Task CreatePartitions_PlacesTheNewOnesAndGivesEachAState()
    {
        var controller = await ActiveAsync();
        Assert.True((await controller.CreateTopicAsync("t", 3, 2)).Succeeded);

        Assert.True((await controller.CreatePartitionsAsync("t", 6)).Succeeded);

        var (topics, _) = await _store.GetTopicsAsync();
        Assert.Equal(6, topics["t"].Value.Replicas.Length);
        Assert.All(topics["t"].Value.Replicas, r => Assert.Equal(2, r.Distinct().Count()));
        var states = await StatesAsync("t");
        Assert.Equal(6, states.Count);
        Assert.All(states.Skip(3), s => Assert.Equal(2, s.Isr.Length));
        Assert.Equal(ClusterError.InvalidPartitions, (await controller.CreatePartitionsAsync("t", 6)).Error);
        Assert.Equal(ClusterError.InvalidReplicaAssignment, (await controller.CreatePartitionsAsync("t", 8, [[1, 2]])).Error);
    }

    [Fact]
    public async Task ControlledShutdown_MovesLeadershipAwayBeforeTheBrokerStops()
    {
        var controller = await ActiveAsync();
        Assert.True((await controller.CreateTopicAsync("t", 6, 3)).Succeeded);
        var leaving = new[] { 1, 2, 3 }.First(id => _brokers[id].Controller != controller);
        var before = await StatesAsync("t");
        Assert.Contains(before, s => s.Leader == leaving);

        var stillLed = await _brokers[leaving].Session.ShutDownAsync(WaitLimit);

        Assert.Empty(stillLed);
        var after = await StatesAsync("t"); // read while its session is still alive
        Assert.All(after, s => Assert.NotEqual(leaving, s.Leader));
        Assert.All(after, s => Assert.DoesNotContain(leaving, s.Isr));
        Assert.Contains(leaving, (await _store.GetBrokersAsync()).Brokers.Select(b => b.Id));
        await StopBrokerAsync(leaving, crash: false);
    }

    [Fact]
    public async Task ReplicaAssignments_NameTheBrokersRegisteredNow_NotTheOnesTheControllersWatchHasDelivered()
    {
        var controller = await ActiveAsync();
        Assert.True((await controller.CreateTopicAsync("t", 0, 0, [[1, 2, 3]])).Succeeded);
        var dead = new[] { 1, 2, 3 }.First(id => _brokers[id].Controller != controller);
        var (live, other) = (new[] { 1, 2, 3 }.First(id => id != dead), new[] { 1, 2, 3 }.Last(id => id != dead));

        // The controller is busy (its lock held by a config change) while broker 4 registers and the dead one's lease
        // ends: the requests queued before either event see both, though its watch has delivered neither yet.
        var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource();
        var busy = Task.Run(() => controller.AlterTopicConfigsAsync("t", _ =>
        {
            entered.SetResult();
            release.Wait(WaitLimit);
            return null;
        }));
        await entered.Task.WaitAsync(WaitLimit);
        var requests = new[]
        {
            controller.CreateTopicAsync("on-new", 0, 0, [[4, live]]),
            controller.CreateTopicAsync("on-dead", 0, 0, [[dead, live]]),
            controller.CreateTopicAsync("placed", 2, 3),
            controller.CreatePartitionsAsync("t", 2, [[4, live, other]]),
            controller.CreatePartitionsAsync("t", 3, [[dead, live, 4]]),
            controller.AlterReassignmentAsync("t", 0, [4, live]),
            controller.AlterReassignmentAsync("t", 1, [dead, live]),
        };
        await StartBrokerAsync(4);
        await StopBrokerAsync(dead, crash: true);
        release.Set();
        await busy;
        var results = await Task.WhenAll(requests);

        Assert.Equal(
            [ClusterError.None, ClusterError.InvalidReplicaAssignment, ClusterError.None, ClusterError.None, ClusterError.InvalidReplicaAssignment, ClusterError.None, ClusterError.InvalidReplicaAssignment],
            results.Select(r => r.Error));
        Assert.Equal(4, (await StatesAsync("on-new"))[0].Leader);
        var placed = (await _store.GetTopicAsync("placed"))!.Value.Value.Replicas;
        Assert.All(placed, r => Assert.DoesNotContain(dead, r));
        var grown = (await _store.GetTopicAsync("t"))!.Value.Value.Replicas;
        Assert.Equal([4, live, other], grown[1]);
    }

    private async Task StartBrokerAsync(int id)
    {
        var session = await _store.RegisterBrokerAsync(new BrokerRegistration(id, "127.0.0.1", 9090 + id), LeaseTtl);
        var controller = new ClusterController(_store, session, new ControllerSettings { AutoLeaderRebalance = false }, NullLogger.Instance);
        _brokers[id] = (session, controller, controller.RunAsync(_stop.Token));
    }

    /// <summary>Ends a broker's session: a crash (its lease revoked, as expiry would) or a clean stop.</summary>
    private async Task StopBrokerAsync(int id, bool crash)
    {
        var (session, _, run) = _brokers[id];
        _brokers.Remove(id);
        if (crash)
        {
            await _store.RevokeLeaseAsync(session.LeaseId, CancellationToken.None);
        }

        await session.DisposeAsync();
        await run.WaitAsync(WaitLimit);
    }

    private async Task<ClusterController> ActiveAsync()
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (true)
        {
            // Active, and seeing every broker that is registered (the joins reach it through its watch).
            var active = _brokers.Values.Select(b => b.Controller).Where(c => c.IsActive).ToArray();
            if (active.Length == 1 && active[0].LiveBrokers.Select(b => b.Id).Order().SequenceEqual(_brokers.Keys.Order()))
            {
                return active[0];
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private async Task<List<PartitionState>> StatesAsync(string topic)
        => [.. (await _store.GetPartitionStatesAsync()).States.Where(s => s.Key.Topic == topic).OrderBy(s => s.Key.Partition).Select(s => s.Value.Value)];

    private async Task WaitForTopicAsync(string topic, Func<TopicAssignment, bool> condition)
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (!condition((await _store.GetTopicsAsync()).Topics[topic].Value))
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private async Task<List<PartitionState>> WaitForAsync(string topic, Func<List<PartitionState>, bool> condition)
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (true)
        {
            var states = await StatesAsync(topic);
            if (condition(states))
            {
                return states;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
