using System.Text.Json.Nodes;
using Platform.Connect.Tests.Plugins;

namespace Platform.Connect.Tests;

public sealed class ClusterTests
{
    [Fact]
    public async Task TwoWorkers_OneStops_ItsTasksMoveToTheOther()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var first = await cluster.StartWorkerAsync();
        var second = await cluster.StartWorkerAsync();
        await Eventually.TrueAsync(() => first.Worker.Assignment.Members.Count == 2 && second.Worker.Assignment.Members.Count == 2, "a two-worker group");

        var topic = "cluster-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, [(null, "{\"n\":0}")]);
        await first.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject { ["connector.class"] = "CollectingSink", ["topics"] = topic, ["collect.id"] = collect, ["tasks.max"] = "2" },
        });

        // Both workers answer for the cluster and run one of the two tasks each.
        var status = await second.WaitForRunningAsync("sink", tasks: 2);
        var owners = status["tasks"]!.AsArray().Select(t => t!["worker_id"]!.GetValue<string>()).ToHashSet();
        Assert.True(owners.SetEquals([first.Worker.WorkerId, second.Worker.WorkerId]), string.Join(",", owners));

        await second.StopAsync();
        await first.WaitForStatusAsync("sink", s => s["tasks"]!.AsArray().Count == 2
            && s["tasks"]!.AsArray().All(t => t!["state"]!.GetValue<string>() == "RUNNING" && t["worker_id"]!.GetValue<string>() == first.Worker.WorkerId), TimeSpan.FromSeconds(60));

        await cluster.ProduceAsync(topic, [(null, "{\"n\":1}")]);
        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Any(r => ((IDictionary<string, object?>)r.Value!)["n"] is 1L), "a record after the move", TimeSpan.FromSeconds(60));
    }
}
