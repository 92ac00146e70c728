using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Transactions;
using Platform.Client;

namespace Platform.Broker.Tests.Cluster;

/// <summary>
/// A clustered broker disposed without its <see cref="ClusterService"/> being stopped first (an <see cref="EmbeddedBroker"/>
/// on <see cref="EtcdCluster"/> is: no host stops it): the session loop must end with it. It used to take the revoked
/// session for a lost one and dispose it a second time, and its controller called the disposed etcd client, both in
/// tasks nobody awaited; their exceptions surfaced later as unobserved task exceptions in whatever test collected them.
/// </summary>
public sealed class ClusterServiceDisposalTests : IAsyncLifetime
{
    private EtcdCluster _etcd = null!;

    public async Task InitializeAsync() => _etcd = await EtcdCluster.StartAsync();

    public async Task DisposeAsync() => await _etcd.DisposeAsync();

    [Fact]
    public async Task DisposedWithoutStop_LeavesNoFaultedTaskBehind()
    {
        var unobserved = new ConcurrentQueue<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            // Other test classes run beside this one: only the cluster code's faults count here.
            var stack = e.Exception.ToString();
            if (stack.Contains("at Platform.Broker.Cluster.", StringComparison.Ordinal) || stack.Contains("at Platform.Cluster.", StringComparison.Ordinal))
            {
                unobserved.Enqueue(e.Exception);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await StartAndDisposeAsync();

            // A fault comes some time after the disposal, and surfaces once its task is collected.
            for (var i = 0; i < 30 && unobserved.IsEmpty; i++)
            {
                await Task.Delay(100);
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.True(unobserved.IsEmpty, string.Join("\n\n", unobserved));
    }

    [Fact]
    public async Task LeadershipArrivingAfterTheLogsClosed_FailsThatReplicaOnly_AndTheSessionLoopGoesOn()
    {
        var timeout = TimeSpan.FromSeconds(30);
        void Configure(BrokerOptions o)
        {
            o.TransactionStateLogNumPartitions = 1;
            o.TransactionStateLogReplicationFactor = 2;
        }

        var brokers = new[] { await _etcd.StartBrokerAsync(1, Configure), await _etcd.StartBrokerAsync(2, Configure) };
        ClusterMetadata View(int id) => brokers[id - 1].Services.GetRequiredService<ClusterMetadata>();
        Assert.True(await View(1).WaitForAsync(v => v.Brokers.Count == 2, timeout, CancellationToken.None));

        // A transactional id creates __transaction_state; the coordinator loads its partition by replaying its log.
        using (var producer = new ProducerBuilder<string?, string>(new ProducerConfig
        {
            BootstrapServers = string.Join(',', brokers.Select(b => b.BootstrapServers)),
            TransactionalId = "closing",
        }).Build())
        {
            producer.InitTransactions(timeout);
        }

        ClusterView? view = null;
        Assert.True(await View(1).WaitForAsync(
            v => (view = v).Leader(TransactionCoordinator.TopicName, 0) is not null && v.State(TransactionCoordinator.TopicName, 0)!.Isr.Length == 2, timeout, CancellationToken.None));
        var leader = view!.Leader(TransactionCoordinator.TopicName, 0)!.Id;
        var other = 3 - leader;

        // The other broker's logs close (its listener too) while its cluster session and loop live on, as in an
        // EmbeddedBroker's disposal; then the leader goes, and the controller hands the partition to the other broker.
        await brokers[other - 1].StopAsync();
        await brokers[leader - 1].DisposeAsync();
        Assert.True(await View(other).WaitForAsync(v => v.Leader(TransactionCoordinator.TopicName, 0)?.Id == other, timeout, CancellationToken.None));

        // Its replay fails in the closed log. The loop goes on applying what comes next (a broker joining), and the
        // disposal that awaits it does not throw (when one replica's failure ended the loop, it threw that replay's
        // OffsetOutOfRangeException).
        await using (var third = await _etcd.StartBrokerAsync(3, Configure))
        {
            Assert.True(await View(other).WaitForAsync(v => v.Brokers.ContainsKey(3), timeout, CancellationToken.None));
            await brokers[other - 1].DisposeAsync();
        }
    }

    /// <summary>In a method of its own, so that nothing on the test's frame keeps the broker's tasks from being collected.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task StartAndDisposeAsync()
    {
        var broker = await _etcd.StartBrokerAsync(1);
        var view = broker.Services.GetRequiredService<ClusterMetadata>();
        Assert.True(await view.WaitForAsync(v => v.ControllerId == 1, TimeSpan.FromSeconds(20), CancellationToken.None));
        await broker.DisposeAsync();
    }
}
