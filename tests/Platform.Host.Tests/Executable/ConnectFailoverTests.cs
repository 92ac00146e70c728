using Platform.Connect.Tests.EndToEnd;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// Files → topic → PostgreSQL (upsert, offsets in the rows' transaction) through a real <c>platform connect</c> worker
/// on three broker processes (RF 3, min.insync.replicas 2 for the topic and the worker's own topics), while the
/// leader of the records' partition and then the coordinator of the worker's group are SIGKILLed and started again:
/// the worker keeps both connectors running and every line ends up as exactly one row.
/// </summary>
public sealed class ConnectFailoverTests : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(ProcessCluster.FailoverProperties);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SpoolDirToPostgresSink_LeaderAndCoordinatorKilledMidWay_EveryLineExactlyOneRow()
    {
        await using var pipeline = await SpoolPipeline.StartAsync(_cluster.BootstrapServers, broker: null, ["replication.factor=3"]);
        await _cluster.CreateTopicAsync(SpoolPipeline.Topic, 3, 3, ("min.insync.replicas", "2"));
        pipeline.DropFiles(3);
        var worker = await pipeline.StartWorkerAsync();
        await worker.Rest.CreateAsync("files-in", pipeline.SourceConfig());
        await worker.Rest.CreateAsync("rows-out", pipeline.SinkConfig());

        // As soon as rows arrive: the leader of partition 0. Lines of the first files may still be on their way (or all be
        // rows already: one sink transaction can take them all); those of the files dropped after the kill certainly are.
        var atKill = await pipeline.WaitForRowsAsync(1);
        var leader = await _cluster.LeaderAsync(SpoolPipeline.Topic, 0);
        await _cluster.Broker(leader).KillAsync();
        Assert.InRange(atKill, 1, pipeline.Expected);
        pipeline.DropFiles(2);
        atKill = await pipeline.WaitForRowsAsync(atKill + 1);
        await _cluster.StartBrokerAsync(leader);
        await _cluster.WaitForFullIsrAsync(SpoolPipeline.Topic, 3);

        // Then the broker coordinating the worker's group (and the sink's consumer group, if it is the same broker), with
        // a file dropped just before (its lines may or may not all be rows by the time the kill is done: the worker can be
        // that quick) and one after, whose lines go through while the groups find their new coordinator.
        pipeline.DropFiles(1);
        var coordinator = await _cluster.CoordinatorAsync(pipeline.GroupId, keyType: 0);
        await _cluster.Broker(coordinator).KillAsync();
        var atCoordinatorKill = await pipeline.RowCountAsync();
        Assert.InRange(atCoordinatorKill, atKill, pipeline.Expected);
        pipeline.DropFiles(1);
        await pipeline.WaitForRowsAsync(pipeline.Expected, TimeSpan.FromMinutes(3));
        await _cluster.StartBrokerAsync(coordinator);
        await pipeline.AssertEveryLineExactlyOnceAsync();

        // The worker rode it out: no restart, both connectors still running on it.
        Assert.False(worker.HasExited, worker.Output);
        await worker.Rest.WaitForRunningAsync("files-in", workerId: worker.WorkerId);
        await worker.Rest.WaitForRunningAsync("rows-out", workerId: worker.WorkerId);
    }
}
