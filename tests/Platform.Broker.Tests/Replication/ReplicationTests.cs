using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Replication;
using Platform.Broker.Tests.Groups;
using Platform.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Broker.Tests.Replication;

/// <summary>
/// The replication data path between real brokers on loopback: roles are applied to each broker's
/// <see cref="IReplicaManager"/> as the cluster service would, ISR changes go to a real etcd through
/// <see cref="EtcdIsrStore"/>, followers fetch from their leader over TCP.
/// </summary>
public sealed class ReplicationTests : IAsyncLifetime
{
    private const string Topic = "replicated";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<EmbeddedBroker> _brokers = [];
    private readonly List<RawConnection> _connections = [];
    private readonly HashSet<string> _dataDirs = [];
    private readonly List<BrokerSession> _registrations = [];
    private EtcdIsrStore? _isrStore;
    private long _lagMs;
    private int _fetchBackoffMs = 100;
    private EtcdCluster _etcd = null!;
    private EtcdClusterStore _store = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync();
        _store = EtcdClusterStore.Connect(_etcd.Endpoints, "/replication-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        foreach (var registration in _registrations)
        {
            await registration.DisposeAsync();
        }

        await _store.DisposeAsync();
        await _etcd.DisposeAsync();
        foreach (var dataDir in _dataDirs.Where(Directory.Exists))
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task AcksAll_AnsweredOnlyOnceEveryFollowerHasTheRecords_AndLogsAreIdenticalByteForByte()
    {
        await StartBrokersAsync(3, ("segment.bytes", "2048"));
        await ApplyAsync(new PartitionRole(1, 0, [1, 2, 3], [1, 2, 3], 0));

        for (var i = 0; i < 60; i++)
        {
            var result = await _connections[0].ProduceAsync(Topic, Batch($"k{i}", $"value-{i}"), acks: -1);
            Assert.Equal(ErrorCode.None, (ErrorCode)result.ErrorCode);
            Assert.Equal(i, result.BaseOffset);
            foreach (var follower in new[] { 2, 3 })
            {
                Assert.True(Partition(follower).LogEndOffset > i, $"acks=all answered for offset {i} before broker {follower} had it");
            }
        }

        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Partition(2).HighWatermark == 60 && Partition(3).HighWatermark == 60), Patience));
        Assert.True(Partition(1).Log.SegmentCount > 1);
        var leaderBytes = LogBytes(1);
        Assert.Equal(leaderBytes, LogBytes(2));
        Assert.Equal(leaderBytes, LogBytes(3));
        Assert.Equal(Partition(1).Log.EpochEntries, Partition(3).Log.EpochEntries);
        var consumed = await _connections[0].ConsumeAllAsync(Topic);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"value-{i}"), consumed.Select(r => r.Value));
    }

    [Fact]
    public async Task StoppedFollower_LeavesTheIsr_MinInsyncRefusesWrites_ThenCatchesUpAndRejoins()
    {
        await StartBrokersAsync(2, [("min.insync.replicas", "2")], lagMs: 1_000);
        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0));
        Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("a", "1"))).ErrorCode);

        await Replicas(2).StopReplicaAsync(Partition(2), CancellationToken.None);
        // In flight while the follower is away: answered once the ISR shrinks, and then it is too small.
        var waiting = await _connections[0].ProduceAsync(Topic, Batch("b", "2"));
        Assert.Equal(ErrorCode.NotEnoughReplicasAfterAppend, (ErrorCode)waiting.ErrorCode);
        var state = await _store.GetPartitionStateAsync(Topic, 0);
        Assert.Equal([1], state!.Value.Value.Isr);
        Assert.Equal(ErrorCode.NotEnoughReplicas, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("c", "3"))).ErrorCode);
        Assert.Equal(2, Partition(1).LogEndOffset);

        // The follower resumes under the role etcd now holds; it catches up and the leader takes it back.
        var current = state.Value.Value;
        await Replicas(2).ApplyRoleAsync(Partition(2), new PartitionRole(current.Leader, current.LeaderEpoch, [1, 2], current.Isr, current.PartitionEpoch), CancellationToken.None);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Partition(1).Role.Isr.Count == 2), Patience));
        var rejoined = await _store.GetPartitionStateAsync(Topic, 0);
        Assert.Equal([1, 2], rejoined!.Value.Value.Isr);
        var accepted = await _connections[0].ProduceAsync(Topic, Batch("d", "4"));
        Assert.Equal(ErrorCode.None, (ErrorCode)accepted.ErrorCode);
        Assert.Equal(2, accepted.BaseOffset);
        Assert.True(Partition(2).LogEndOffset >= 3);
    }

    [Fact]
    public async Task OwnIsrShrink_AppliedWhenTheStoreShowsIt_BeforeTheWritesAnswer_WhichNeverSetsANewerRoleBack()
    {
        await StartBrokersAsync(2);
        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0));
        Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("a", "1"))).ErrorCode);
        await Replicas(2).StopReplicaAsync(Partition(2), CancellationToken.None);
        Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("b", "2"), acks: 1)).ErrorCode);
        var leader = Partition(1).Leader!;
        Assert.Equal(1, leader.HighWatermark);

        // The shrink is written to etcd (two round trips, still in flight when this returns); the cluster service
        // applies the state etcd shows as soon as its watch has it, which may be before the write's answer.
        leader.ShrinkIsrIfLagging(TimeSpan.Zero);
        await Replicas(1).ApplyRoleAsync(Partition(1), new PartitionRole(1, 0, [1, 2], [1], 1), CancellationToken.None);
        Assert.Equal([1], Partition(1).Role.Isr);
        Assert.Equal(2, leader.HighWatermark);

        // The controller's next change (its own ISR decision, say) arrives before the answer too: the answer must not set it back.
        await Replicas(1).ApplyRoleAsync(Partition(1), new PartitionRole(1, 0, [1, 2], [1], 2), CancellationToken.None);
        Assert.True(await Wire.EventuallyAsync(async () => (await _store.GetPartitionStateAsync(Topic, 0))!.Value.Value.PartitionEpoch == 1, Patience));
        await Task.Delay(200);
        Assert.Equal(2, Partition(1).Role.PartitionEpoch);
    }

    [Fact]
    public async Task DivergentFollower_TruncatesToTheNewLeadersHistory_BeforeFetching()
    {
        await StartBrokersAsync(2);
        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("k", $"both-{i}"))).ErrorCode);
        }

        // Broker 2 stops following; broker 1 takes three writes (acks=1) that only it will ever have.
        await Replicas(2).StopReplicaAsync(Partition(2), CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("k", $"lost-{i}"), acks: 1)).ErrorCode);
        }

        // Broker 2 is elected (epoch 1) and takes two writes before broker 1 hears of it.
        var newRole = new PartitionRole(2, 1, [1, 2], [2], 1);
        await StoreAsync(newRole);
        await Replicas(2).ApplyRoleAsync(Partition(2), newRole, CancellationToken.None);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[1].ProduceAsync(Topic, Batch("k", $"new-{i}"), acks: 1)).ErrorCode);
        }

        Assert.Equal(8, Partition(1).LogEndOffset);
        await Replicas(1).ApplyRoleAsync(Partition(1), newRole, CancellationToken.None);

        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Partition(1).LogEndOffset == 7 && Partition(1).Log.EpochEntries.Count == 2), Patience));
        Assert.Equal(LogBytes(2), LogBytes(1));
        Assert.Equal([(0, 0L), (1, 5L)], Partition(1).Log.EpochEntries);
        Assert.True(await Wire.EventuallyAsync(async () => (await _store.GetPartitionStateAsync(Topic, 0))!.Value.Value.Isr.Length == 2, Patience));
        // The acks=1 writes are readable once the new leader's group commit has synced them (write.caching=false): a
        // deferred round, 50 ms after them on an idle machine. A CI run under load read nothing here, before it.
        var leader = Partition(2);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(leader.HighWatermark == 7), Patience), $"The new leader's high watermark stayed {leader.HighWatermark}.");
        var consumed = await _connections[1].ConsumeAllAsync(Topic);
        Assert.True(consumed.Count == 7, $"Read {consumed.Count} records from the new leader: its high watermark {leader.HighWatermark} (replicated "
            + $"{leader.Log.ReplicatedHighWatermark}, durable {leader.Log.DurableOffset}), log {leader.Log.LogStartOffset} to {leader.LogEndOffset}, ISR [{string.Join(", ", leader.Role.Isr)}].");
        Assert.Equal(["both-0", "both-1", "both-2", "both-3", "both-4", "new-0", "new-1"], consumed.Select(r => r.Value));
    }

    /// <summary>
    /// The follower hears of the election before the new leader does and is refused (NOT_LEADER_OR_FOLLOWER): it asks
    /// again at once rather than after replica.fetch.backoff.ms (a minute here), which would hold every acks=all write
    /// to the new leader that long.
    /// </summary>
    [Fact]
    public async Task NewLeaderHearsOfItsElectionAfterItsFollower_AcksAllCompletesWithoutWaitingTheFetchBackoff()
    {
        await StartBrokersAsync(2, [], lagMs: 30_000, fetchBackoffMs: 60_000);
        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0));
        Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("k", "before"))).ErrorCode);

        var elected = new PartitionRole(2, 1, [1, 2], [1, 2], 1);
        await StoreAsync(elected);
        await Replicas(1).ApplyRoleAsync(Partition(1), elected, CancellationToken.None);
        // Broker 1 asks broker 2, still a follower at epoch 0, where epoch 0 ends, and is refused.
        await Task.Delay(500);
        await Replicas(2).ApplyRoleAsync(Partition(2), elected, CancellationToken.None);

        var written = await _connections[1].ProduceAsync(Topic, Batch("k", "after"));
        Assert.Equal(ErrorCode.None, (ErrorCode)written.ErrorCode);
        Assert.Equal(1, written.BaseOffset);
        Assert.True(Partition(1).LogEndOffset >= 2);
    }

    [Fact]
    public async Task IdempotentProducer_RetryAfterLeadershipMoves_IsAnsweredAsDuplicate()
    {
        const long producerId = 4242;
        await StartBrokersAsync(2);
        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0));
        for (var sequence = 0; sequence < 3; sequence++)
        {
            var result = await _connections[0].ProduceAsync(Topic, Idempotent(producerId, sequence, $"v{sequence}"));
            Assert.Equal(ErrorCode.None, (ErrorCode)result.ErrorCode);
        }

        await ApplyAsync(new PartitionRole(2, 1, [1, 2], [1, 2], 1));

        // The old leader refuses; the new one knows the producer's last batch from the replicated log.
        Assert.Equal(ErrorCode.NotLeaderOrFollower, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Idempotent(producerId, 3, "v3"))).ErrorCode);
        var retry = await _connections[1].ProduceAsync(Topic, Idempotent(producerId, 2, "v2"));
        Assert.Equal(ErrorCode.None, (ErrorCode)retry.ErrorCode);
        Assert.Equal(2, retry.BaseOffset);
        var next = await _connections[1].ProduceAsync(Topic, Idempotent(producerId, 3, "v3"));
        Assert.Equal(ErrorCode.None, (ErrorCode)next.ErrorCode);
        Assert.Equal(3, next.BaseOffset);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, (ErrorCode)(await _connections[1].ProduceAsync(Topic, Idempotent(producerId, 5, "v5"))).ErrorCode);
        Assert.Equal(["v0", "v1", "v2", "v3"], (await _connections[1].ConsumeAllAsync(Topic)).Select(r => r.Value));
    }

    [Fact]
    public async Task DeleteRecordsOnTheLeader_IsAnsweredOnceEveryFollowerMovedItsLogStart_SoAFailoverRightAfterKeepsThemDeleted()
    {
        await StartBrokersAsync(3, ("segment.bytes", "1024"));
        await ApplyAsync(new PartitionRole(1, 0, [1, 2, 3], [1, 2, 3], 0));
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch($"k{i}", $"value-{i}"), acks: -1)).ErrorCode);
        }

        var followerSegments = Partition(2).Log.SegmentCount;
        Assert.True(followerSegments > 2);
        var deleted = await DeleteRecordsAsync(_connections[0], 30, timeoutMs: 30_000);
        Assert.Equal((ErrorCode.None, 30L), ((ErrorCode)deleted.ErrorCode, deleted.LowWatermark));

        // Answered only once both followers said (in a fetch) that their logs start there.
        Assert.Equal((30L, 30L), (Partition(2).LogStartOffset, Partition(3).LogStartOffset));

        // A follower leads at once: what DeleteRecords removed stays removed. What it replicated is readable once its group
        // commit has synced it (write.caching=false; a follower's appends are synced by a deferred round).
        await ApplyAsync(new PartitionRole(2, 1, [1, 2, 3], [1, 2, 3], 1));
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Partition(2).HighWatermark == 40), Patience), $"The new leader's high watermark stayed {Partition(2).HighWatermark}.");
        Assert.Equal(Enumerable.Range(30, 10).Select(i => $"value-{i}"), (await _connections[1].ConsumeAllAsync(Topic)).Select(r => r.Value));

        // And its segments wholly below the log start go.
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Partition(2).Log.SegmentCount < followerSegments), Patience));
        Assert.True(Directory.GetFiles(Partition(2).Log.Directory, "*.log").Select(f => long.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture)).Order().Skip(1).All(b => b > 30));
    }

    [Fact]
    public async Task DeleteRecords_ALiveFollowerNotFetching_TimesOut_AFollowerOnABrokerGoneDoesNotHoldItBack()
    {
        await StartBrokersAsync(2);
        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("k", $"v{i}"), acks: -1)).ErrorCode);
        }

        // Broker 2 stays listed as live but fetches no more: its log start never reaches 2.
        await Replicas(2).StopReplicaAsync(Partition(2), CancellationToken.None);
        var timedOut = await DeleteRecordsAsync(_connections[0], 2, timeoutMs: 300);
        Assert.Equal(ErrorCode.RequestTimedOut, (ErrorCode)timedOut.ErrorCode);
        Assert.Equal(2, Partition(1).LogStartOffset);

        // Broker 2 leaves the cluster: the leader's own log start is the low watermark.
        Replicas(1).UpdateBrokers(new Dictionary<int, BrokerEndpoint> { [1] = new(1, "127.0.0.1", _brokers[0].Port) });
        var deleted = await DeleteRecordsAsync(_connections[0], 3, timeoutMs: 30_000);
        Assert.Equal((ErrorCode.None, 3L), ((ErrorCode)deleted.ErrorCode, deleted.LowWatermark));

        // Only the leader deletes records.
        Assert.Equal(ErrorCode.NotLeaderOrFollower, (ErrorCode)(await DeleteRecordsAsync(_connections[1], 3, timeoutMs: 1_000)).ErrorCode);
    }

    [Fact]
    public async Task RestartedLeader_StartsFromItsCheckpointedHighWatermark_NotItsLogEnd()
    {
        await StartBrokersAsync(2);
        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("k", $"both-{i}"), acks: -1)).ErrorCode);
        }

        // The follower stops; three writes (acks=1) reach only the leader, so the high watermark stays at 4.
        await Replicas(2).StopReplicaAsync(Partition(2), CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ErrorCode.None, (ErrorCode)(await _connections[0].ProduceAsync(Topic, Batch("k", $"leader-only-{i}"), acks: 1)).ErrorCode);
        }

        Assert.Equal((7L, 4L), (Partition(1).LogEndOffset, Partition(1).HighWatermark));
        await RestartAsync(1);
        var role = new PartitionRole(1, 1, [1, 2], [1, 2], 1);
        await StoreAsync(role);
        await Replicas(1).ApplyRoleAsync(Partition(1), role, CancellationToken.None);

        // Before any follower fetch the leader knows only what the ISR had before the restart: consumers see no more.
        Assert.Equal((7L, 4L), (Partition(1).LogEndOffset, Partition(1).HighWatermark));
        Assert.Equal(["both-0", "both-1", "both-2", "both-3"], (await _connections[0].ConsumeAllAsync(Topic)).Select(r => r.Value));
    }

    [Fact]
    public async Task OffsetForLeaderEpoch_AnswersTheEndOfEachEpoch_AndOnlyFromTheLeader()
    {
        await StartBrokersAsync(2);
        await ApplyAsync(new PartitionRole(1, 3, [1, 2], [1, 2], 0));
        for (var i = 0; i < 4; i++)
        {
            await _connections[0].ProduceAsync(Topic, Batch("k", $"v{i}"));
        }

        var answer = await OffsetForLeaderEpochAsync(_connections[0], leaderEpoch: 2, currentLeaderEpoch: 3);
        Assert.Equal((ErrorCode.None, 2, 0L), ((ErrorCode)answer.ErrorCode, answer.LeaderEpoch, answer.EndOffset));
        answer = await OffsetForLeaderEpochAsync(_connections[0], leaderEpoch: 3, currentLeaderEpoch: 3);
        Assert.Equal((3, 4L), (answer.LeaderEpoch, answer.EndOffset));
        Assert.Equal(ErrorCode.FencedLeaderEpoch, (ErrorCode)(await OffsetForLeaderEpochAsync(_connections[0], 3, currentLeaderEpoch: 2)).ErrorCode);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, (ErrorCode)(await OffsetForLeaderEpochAsync(_connections[1], 3, currentLeaderEpoch: 3)).ErrorCode);
    }

    [Fact]
    public async Task GroupCoordinator_MovesWithTheLeadershipOfItsOffsetsPartition()
    {
        await StartBrokersAsync(2);
        foreach (var broker in _brokers)
        {
            Assert.True(broker.Services.GetRequiredService<GroupCoordinator>().EnsureOffsetsTopic());
        }

        await ApplyAsync(new PartitionRole(1, 0, [1, 2], [1, 2], 0), GroupCoordinator.TopicName);
        await using var first = await GroupClient.ConnectAsync(_brokers[0], "moving-group");
        await using var second = await GroupClient.ConnectAsync(_brokers[1], "moving-group");
        Assert.Equal(ErrorCode.NotCoordinator, await second.CommitAsync(Topic, 0, 7));
        Assert.Equal(ErrorCode.None, await first.CommitAsync(Topic, 0, 42));

        await ApplyAsync(new PartitionRole(2, 1, [1, 2], [1, 2], 1), GroupCoordinator.TopicName);

        Assert.Equal(ErrorCode.NotCoordinator, await first.CommitAsync(Topic, 0, 43));
        var fetched = await second.FetchOffsetsAsync([new() { Name = Topic, PartitionIndexes = [0] }]);
        Assert.Equal(42, fetched.Topics[0].Partitions[0].CommittedOffset);
        Assert.Equal(ErrorCode.None, await second.CommitAsync(Topic, 0, 44));
    }

    [Fact]
    public async Task EtcdIsrStore_AcceptsAChangeOnlyFromTheStoredLeaderAndEpochs()
    {
        var isrStore = new EtcdIsrStore(_store);
        var role = new PartitionRole(1, 2, [1, 2, 3], [1, 2, 3], 5);
        await StoreAsync(role);

        Assert.Null(await isrStore.TryAlterIsrAsync(Topic, 0, role with { PartitionEpoch = 4 }, [1, 2], CancellationToken.None));
        Assert.Null(await isrStore.TryAlterIsrAsync(Topic, 0, role with { LeaderEpoch = 1 }, [1, 2], CancellationToken.None));
        Assert.Null(await isrStore.TryAlterIsrAsync(Topic, 1, role, [1, 2], CancellationToken.None));
        var accepted = await isrStore.TryAlterIsrAsync(Topic, 0, role, [1, 2], CancellationToken.None);

        Assert.Equal((1, 2, 6), (accepted!.Leader, accepted.LeaderEpoch, accepted.PartitionEpoch));
        Assert.Equal([1, 2], accepted.Isr);
        var stored = await _store.GetPartitionStateAsync(Topic, 0);
        Assert.Equal((1, 2, 6), (stored!.Value.Value.Leader, stored.Value.Value.LeaderEpoch, stored.Value.Value.PartitionEpoch));
        Assert.Equal([1, 2], stored.Value.Value.Isr);
        Assert.Null(await isrStore.TryAlterIsrAsync(Topic, 0, role, [1], CancellationToken.None));

        // A replica joins only from a registered broker (KIP-841): broker 3 stopped, its registration gone, yet fetching.
        var current = accepted;
        Assert.Null(await isrStore.TryAlterIsrAsync(Topic, 0, current, [1, 2, 3], CancellationToken.None));
        await using (await _store.RegisterBrokerAsync(new BrokerRegistration(3, "127.0.0.1", 9093), TimeSpan.FromSeconds(30)))
        {
            Assert.Equal([1, 2, 3], (await isrStore.TryAlterIsrAsync(Topic, 0, current, [1, 2, 3], CancellationToken.None))!.Isr);
        }
    }

    private static async Task<DeleteRecordsResponse.DeleteRecordsPartitionResult> DeleteRecordsAsync(RawConnection connection, long offset, int timeoutMs)
    {
        var request = new DeleteRecordsRequest { TimeoutMs = timeoutMs, Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, Offset = offset }] }] };
        return (await connection.SendAsync<DeleteRecordsResponse>(request, 2)).Topics[0].Partitions[0];
    }

    private static async Task<OffsetForLeaderEpochResponse.EpochEndOffset> OffsetForLeaderEpochAsync(RawConnection connection, int leaderEpoch, int currentLeaderEpoch)
    {
        var request = new OffsetForLeaderEpochRequest
        {
            Topics = [new() { Topic = Topic, Partitions = [new() { Partition = 0, LeaderEpoch = leaderEpoch, CurrentLeaderEpoch = currentLeaderEpoch }] }],
        };
        return (await connection.SendAsync<OffsetForLeaderEpochResponse>(request, 4)).Topics[0].Partitions[0];
    }

    private async Task StartBrokersAsync(int count, params (string Key, string Value)[] topicConfigs) => await StartBrokersAsync(count, topicConfigs, lagMs: 30_000);

    private async Task StartBrokersAsync(int count, (string Key, string Value)[] topicConfigs, long lagMs, int fetchBackoffMs = 100)
    {
        _lagMs = lagMs;
        _fetchBackoffMs = fetchBackoffMs;
        for (var id = 1; id <= count; id++)
        {
            var broker = await StartBrokerAsync(id, Path.Combine(Path.GetTempPath(), $"platform-replication-{id}-{Guid.NewGuid():N}"));
            _brokers.Add(broker);

            // Registered as the cluster service would register it: only a registered broker's replica may join an ISR.
            _registrations.Add(await _store.RegisterBrokerAsync(new BrokerRegistration(id, "127.0.0.1", broker.Port), TimeSpan.FromSeconds(30)));
            var connection = await RawConnection.ConnectAsync(broker);
            _connections.Add(connection);
            await connection.CreateTopicAsync(Topic, topicConfigs);
        }

        UpdateBrokers();
    }

    /// <summary>Stops broker <paramref name="id"/> cleanly and starts it again on its data directory (its topics come back from there).</summary>
    private async Task RestartAsync(int id)
    {
        var dataDir = _brokers[id - 1].DataDir;
        await _connections[id - 1].DisposeAsync();
        await _brokers[id - 1].DisposeAsync();
        _brokers[id - 1] = await StartBrokerAsync(id, dataDir);
        _connections[id - 1] = await RawConnection.ConnectAsync(_brokers[id - 1]);
        UpdateBrokers();
    }

    private async Task<EmbeddedBroker> StartBrokerAsync(int nodeId, string dataDir)
    {
        _dataDirs.Add(dataDir);
        _isrStore ??= new EtcdIsrStore(_store);
        var isrStore = _isrStore;
        return await EmbeddedBroker.StartAsync(
            o =>
            {
                o.NodeId = nodeId;
                o.DataDir = dataDir;
                o.ReplicaLagTimeMaxMs = _lagMs;
                o.ReplicaFetchBackoffMs = _fetchBackoffMs;
                o.OffsetsTopicNumPartitions = 1;
            },
            configureServices: services => services.AddSingleton<IIsrStore>(isrStore));
    }

    private void UpdateBrokers()
    {
        var endpoints = _brokers.Select((b, i) => new BrokerEndpoint(i + 1, "127.0.0.1", b.Port)).ToDictionary(e => e.Id);
        foreach (var id in Enumerable.Range(1, _brokers.Count))
        {
            Replicas(id).UpdateBrokers(endpoints);
        }
    }

    /// <summary>Records <paramref name="role"/> in etcd, as the controller would, and applies it on every broker.</summary>
    private async Task ApplyAsync(PartitionRole role, string topic = Topic)
    {
        await StoreAsync(role, topic);
        for (var id = 1; id <= _brokers.Count; id++)
        {
            await Replicas(id).ApplyRoleAsync(Partition(id, topic), role, CancellationToken.None);
        }
    }

    private async Task StoreAsync(PartitionRole role, string topic = Topic)
    {
        var current = await _store.GetPartitionStateAsync(topic, 0);
        var state = new PartitionState(role.Leader, role.LeaderEpoch, [.. role.Isr], role.PartitionEpoch, 0);
        Assert.NotNull(await _store.TryUpdatePartitionStateAsync(topic, 0, state, current?.ModRevision ?? 0));
    }

    private IReplicaManager Replicas(int id) => _brokers[id - 1].Services.GetRequiredService<IReplicaManager>();

    private Partition Partition(int id, string topic = Topic) => _brokers[id - 1].Services.GetRequiredService<TopicManager>().GetPartition(topic, 0)!;

    /// <summary>
    /// The log's bytes as its segment files hold them, up to its size: the active segment's file may go on past its
    /// end with zeros (block padding, and the reservation of a file that is synced often) until it is sealed.
    /// </summary>
    // Through the log's read path: the files alone may not hold the newest batches yet (appends reach them in
    // the background, past a window kept in memory), and may go on with reserved zeros past the log's end.
    private byte[] LogBytes(int id)
    {
        var log = Partition(id).Log;
        var bytes = new List<byte>();
        for (var offset = log.LogStartOffset; offset < log.LogEndOffset;)
        {
            // A read returns one segment's batches at most; the next starts past the last batch's last offset.
            var records = log.Read(offset, int.MaxValue).Records;
            var segment = new byte[records.SizeInBytes];
            records.CopyTo(segment);
            Assert.NotEmpty(segment);
            bytes.AddRange(segment);
            foreach (var batch in new RecordBatchEnumerator(segment))
            {
                offset = RecordBatchHeader.LastOffset(batch) + 1;
            }
        }

        return [.. bytes];
    }

    private static byte[] Batch(string key, string value) => Wire.Batch(1_700_000_000_000, (key, value));

    private static byte[] Idempotent(long producerId, int sequence, string value)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = sequence };
        builder.Append(1_700_000_000_000, null, Encoding.UTF8.GetBytes(value));
        return builder.BuildToArray();
    }
}
