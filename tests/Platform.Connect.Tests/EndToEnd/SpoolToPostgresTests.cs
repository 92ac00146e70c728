using System.Text.Json.Nodes;

namespace Platform.Connect.Tests.EndToEnd;

/// <summary>
/// The acceptance pipeline, files → topic → PostgreSQL (upsert), through real <c>platform connect</c> processes
/// that are killed with SIGKILL mid-way: every line still ends up as exactly one row.
/// </summary>
public sealed class SpoolToPostgresTests
{
    [Theory]
    [InlineData("record_value")]
    [InlineData("record_key")]
    public async Task SpoolDirToPostgresSink_WorkerKilledTwiceMidWay_EveryLineExactlyOneRow(string pkMode)
    {
        await using var pipeline = await SpoolPipeline.StartAsync();
        pipeline.DropFiles(3);
        var worker = await pipeline.StartWorkerAsync();
        await worker.Rest.CreateAsync("files-in", pipeline.SourceConfig());
        await worker.Rest.CreateAsync("rows-out", pipeline.SinkConfig(pkMode));

        // First kill: as soon as rows arrive, while most of the lines are still on their way.
        var atKill = await pipeline.WaitForRowsAsync(1);
        await worker.KillAsync();
        Assert.InRange(atKill, 1, pipeline.Expected - 1);

        // More files while no worker runs; the restarted worker finds its connectors in the config topic.
        pipeline.DropFiles(2);
        worker = await pipeline.StartWorkerAsync();
        atKill = await pipeline.WaitForRowsAsync(atKill + 1);
        await worker.KillAsync();
        Assert.InRange(atKill, 1, pipeline.Expected - 1);

        pipeline.DropFiles(1);
        worker = await pipeline.StartWorkerAsync();
        await pipeline.WaitForRowsAsync(pipeline.Expected);
        await pipeline.AssertEveryLineExactlyOnceAsync();

        // Both connectors run again after the kills, and a clean stop leaves nothing behind.
        await worker.Rest.WaitForRunningAsync("files-in", workerId: worker.WorkerId);
        await worker.Rest.WaitForRunningAsync("rows-out", workerId: worker.WorkerId);
        await worker.StopAsync();
        Assert.Equal(pipeline.Expected, await pipeline.RowCountAsync());
    }

    [Fact]
    public async Task SpoolDirToPostgresSink_TwoWorkersOneKilled_ItsTasksMoveAndEveryLineExactlyOneRow()
    {
        await using var pipeline = await SpoolPipeline.StartAsync();
        await pipeline.CreateTopicAsync(partitions: 2);
        var first = await pipeline.StartWorkerAsync();
        var second = await pipeline.StartWorkerAsync();
        await first.Rest.CreateAsync("files-in", pipeline.SourceConfig(tasks: 2));
        await first.Rest.CreateAsync("rows-out", pipeline.SinkConfig(tasks: 2));

        // The two workers share the four tasks, once the second has joined the group: the first may start all four
        // before that rebalance moves some.
        var owners = new HashSet<string>();
        for (var end = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < end; await Task.Delay(200))
        {
            owners.Clear();
            foreach (var connector in new[] { "files-in", "rows-out" })
            {
                var status = await second.Rest.WaitForRunningAsync(connector, tasks: 2);
                owners.UnionWith(status["tasks"]!.AsArray().Select(t => t!["worker_id"]!.GetValue<string>()));
            }

            if (owners.SetEquals([first.WorkerId, second.WorkerId]))
            {
                break;
            }
        }

        Assert.True(owners.SetEquals([first.WorkerId, second.WorkerId]), string.Join(",", owners));

        pipeline.DropFiles(4);
        var atKill = await pipeline.WaitForRowsAsync(1);
        await first.KillAsync();
        Assert.InRange(atKill, 1, pipeline.Expected - 1);
        pipeline.DropFiles(2);

        // The dead worker's tasks move to the survivor, as its status shows.
        foreach (var connector in new[] { "files-in", "rows-out" })
        {
            await second.Rest.WaitForRunningAsync(connector, tasks: 2, workerId: second.WorkerId);
        }

        await pipeline.WaitForRowsAsync(pipeline.Expected);
        await pipeline.AssertEveryLineExactlyOnceAsync();
        var (code, sinkTasks) = await second.Rest.GetAsync("connectors/rows-out/tasks");
        Assert.Equal(200, code);
        Assert.Equal(2, sinkTasks!.AsArray().Count);
        Assert.IsType<JsonArray>(sinkTasks);
    }
}
