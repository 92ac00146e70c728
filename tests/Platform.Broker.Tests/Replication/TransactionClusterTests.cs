using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Transactions;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Replication;

/// <summary>
/// Transactions across a cluster of three in-process brokers on a real etcd (each with its cluster
/// service, so the controller places leaders and the brokers follow them): the coordinator is the leader
/// of the id's <c>__transaction_state</c> partition, its markers reach partitions led by other brokers
/// (WriteTxnMarkers), and when its leadership moves the new leader takes the transactions over.
/// </summary>
public sealed class TransactionClusterTests : IAsyncLifetime
{
    private const string Topic = "txn-spread";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly EmbeddedBroker?[] _brokers = new EmbeddedBroker?[3];
    private EtcdCluster _etcd = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync();
        foreach (var id in Enumerable.Range(1, 3))
        {
            _brokers[id - 1] = await _etcd.StartBrokerAsync(id, o =>
            {
                o.BrokerSessionTimeoutMs = 3000;
                o.DefaultReplicationFactor = 3;
                o.OffsetsTopicReplicationFactor = 3;
                o.TransactionStateLogNumPartitions = 1;
                o.TransactionStateLogReplicationFactor = 3;
                o.GroupInitialRebalanceDelayMs = 0;
            });
        }

        foreach (var id in Enumerable.Range(1, 3))
        {
            // Every broker, the controller among them, sees all three before a topic needs three replicas.
            Assert.True(await View(id).WaitForAsync(v => v.Brokers.Count == 3 && v.ControllerId > 0, Timeout, CancellationToken.None));
        }

        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = 3, ReplicationFactor = 3 }]);
        foreach (var id in Enumerable.Range(1, 3))
        {
            Assert.True(await View(id).WaitForAsync(v => Enumerable.Range(0, 3).All(p => v.Leader(Topic, p) is not null), Timeout, CancellationToken.None));
        }

        // And each leader has taken its role (the view comes first).
        Assert.True(await Wire.EventuallyAsync(
            () => Task.FromResult(Enumerable.Range(0, 3).All(p => View(1).View.Leader(Topic, p) is { } leader
                && _brokers[leader.Id - 1]!.Services.GetRequiredService<TopicManager>().GetPartition(Topic, p)?.IsLeader(leader.Id) == true)),
            Timeout));
    }

    public async Task DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }
        }

        await _etcd.DisposeAsync();
    }

    private string Bootstrap => string.Join(',', _brokers.OfType<EmbeddedBroker>().Select(b => b.BootstrapServers));

    private ClusterMetadata View(int id) => _brokers[id - 1]!.Services.GetRequiredService<ClusterMetadata>();

    private TransactionCoordinator Coordinator(int id) => _brokers[id - 1]!.Services.GetRequiredService<TransactionCoordinator>();

    private IProducer<string?, string> Transactional(string transactionalId)
        => new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = Bootstrap, TransactionalId = transactionalId, LingerMs = 1 }).Build();

    /// <summary>The broker leading the id's <c>__transaction_state</c> partition, once the topic exists and has a leader.</summary>
    private async Task<int> CoordinatorIdAsync(int askedBroker)
    {
        ClusterView? view = null;
        Assert.True(await View(askedBroker).WaitForAsync(v => (view = v).Leader(TransactionCoordinator.TopicName, 0) is not null, Timeout, CancellationToken.None));
        return view!.Leader(TransactionCoordinator.TopicName, 0)!.Id;
    }

    private async Task ProduceToEveryPartitionAsync(IProducer<string?, string> producer, string prefix)
    {
        for (var partition = 0; partition < 3; partition++)
        {
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceAsync(new TopicPartition(Topic, partition), new Message<string?, string> { Key = null, Value = $"{prefix}-{partition}-{i}" });
            }
        }
    }

    private async Task<List<string>> ReadCommittedAsync(int expected)
    {
        using var consumer = new ConsumerBuilder<string?, string>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        var quietUntil = DateTime.UtcNow.AddSeconds(1);
        while (DateTime.UtcNow < deadline && (values.Count < expected || DateTime.UtcNow < quietUntil))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100))?.Message is { } message)
            {
                values.Add(message.Value);
                quietUntil = DateTime.UtcNow.AddMilliseconds(500);
            }
        }

        return [.. values.Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> Values(string prefix) => Enumerable.Range(0, 3).SelectMany(p => Enumerable.Range(0, 3).Select(i => $"{prefix}-{p}-{i}"));

    [Fact]
    public async Task Commit_MarkersReachPartitionsLedByOtherBrokers_ReadCommittedSeesEveryRecord()
    {
        using var producer = Transactional("spread");
        producer.InitTransactions(Timeout);
        var coordinator = await CoordinatorIdAsync(1);
        Assert.Contains(Enumerable.Range(0, 3), p => View(1).View.Leader(Topic, p)!.Id != coordinator);

        producer.BeginTransaction();
        await ProduceToEveryPartitionAsync(producer, "aborted");
        producer.AbortTransaction(Timeout);
        producer.BeginTransaction();
        await ProduceToEveryPartitionAsync(producer, "committed");
        producer.CommitTransaction(Timeout);

        Assert.Equal(Values("committed").Order(StringComparer.Ordinal), await ReadCommittedAsync(9));
        var described = Coordinator(coordinator).Describe("spread");
        Assert.Equal(TransactionState.CompleteCommit, described!.State);
        foreach (var id in Enumerable.Range(1, 3).Where(id => id != coordinator))
        {
            Assert.Null(Coordinator(id).Describe("spread"));
            Assert.Equal(ErrorCode.NotCoordinator, Coordinator(id).CoordinatorFor("spread"));
        }
    }

    [Fact]
    public async Task CoordinatorLeadershipMoves_NewLeaderTakesTheOpenTransactionOver_AndCommitsIt()
    {
        using var producer = Transactional("moving");
        producer.InitTransactions(Timeout);
        var old = await CoordinatorIdAsync(1);
        producer.BeginTransaction();
        await ProduceToEveryPartitionAsync(producer, "moved");

        // A controlled shutdown of the coordinator's broker: the controller moves its leaderships away while it still serves.
        await _brokers[old - 1]!.Services.GetRequiredService<ClusterService>().StopAsync(CancellationToken.None);
        var survivor = Enumerable.Range(1, 3).First(id => id != old);
        Assert.True(await View(survivor).WaitForAsync(v => v.Leader(TransactionCoordinator.TopicName, 0) is { } leader && leader.Id != old, Timeout, CancellationToken.None));
        var successor = await CoordinatorIdAsync(survivor);
        Assert.Equal(ErrorCode.NotCoordinator, Coordinator(old).CoordinatorFor("moving"));
        var taken = Coordinator(successor).Describe("moving");
        Assert.Equal(TransactionState.Ongoing, taken!.State);
        Assert.Equal(3, taken.Partitions.Count);
        await _brokers[old - 1]!.DisposeAsync();
        _brokers[old - 1] = null;

        producer.CommitTransaction(Timeout);

        Assert.Equal(Values("moved").Order(StringComparer.Ordinal), await ReadCommittedAsync(9));
        Assert.Equal(TransactionState.CompleteCommit, Coordinator(successor).Describe("moving")!.State);
    }

    [Fact]
    public async Task WriteTxnMarkers_FromAnOlderCoordinatorEpoch_IsFenced_AndOnlyTheLeaderAcceptsMarkers()
    {
        const long producerId = 777;
        var leader = View(1).View.Leader(Topic, 0)!.Id;
        var follower = Enumerable.Range(1, 3).First(id => id != leader);
        await using var toLeader = await RawConnection.ConnectAsync(_brokers[leader - 1]!);
        await using var toFollower = await RawConnection.ConnectAsync(_brokers[follower - 1]!);
        Assert.Equal(ErrorCode.None, (ErrorCode)(await toLeader.ProduceAsync(Topic, TxnWire.Batch(producerId, 0, 0, "first"))).ErrorCode);

        Assert.Equal(ErrorCode.NotLeaderOrFollower, await MarkerAsync(toFollower, producerId, coordinatorEpoch: 5));
        Assert.Equal(ErrorCode.None, await MarkerAsync(toLeader, producerId, coordinatorEpoch: 5));
        Assert.Equal(ErrorCode.None, (ErrorCode)(await toLeader.ProduceAsync(Topic, TxnWire.Batch(producerId, 0, 1, "second"))).ErrorCode);
        Assert.Equal(ErrorCode.TransactionCoordinatorFenced, await MarkerAsync(toLeader, producerId, coordinatorEpoch: 4));
        Assert.Equal(ErrorCode.None, await MarkerAsync(toLeader, producerId, coordinatorEpoch: 6));
    }

    private static async Task<ErrorCode> MarkerAsync(RawConnection connection, long producerId, int coordinatorEpoch)
    {
        var request = new WriteTxnMarkersRequest
        {
            Markers = [new() { ProducerId = producerId, ProducerEpoch = 0, TransactionResult = true, CoordinatorEpoch = coordinatorEpoch, Topics = [new() { Name = Topic, PartitionIndexes = [0] }] }],
        };
        var response = await connection.SendAsync<WriteTxnMarkersResponse>(request, 1);
        return (ErrorCode)response.Markers[0].Topics[0].Partitions[0].ErrorCode;
    }
}
