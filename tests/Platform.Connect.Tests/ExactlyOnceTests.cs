using System.Text.Json.Nodes;

namespace Platform.Connect.Tests;

public sealed class ExactlyOnceTests
{
    [Fact]
    public async Task ExactlyOnceSource_RecordsAndOffsetsCommittedTogether_RestartDoesNotDuplicate()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var topic = "eos-" + Guid.NewGuid().ToString("N")[..6];
        var worker = await cluster.StartWorkerAsync();
        var config = new JsonObject { ["connector.class"] = "CountingSource", ["topic"] = topic, ["records"] = "10", ["exactly.once.support"] = "required" };
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "src", ["config"] = config });
        Assert.Equal(10, cluster.Consume(topic, 10).Count);
        await worker.WaitForRunningAsync("src");
        await worker.StopAsync();

        var restarted = await cluster.StartWorkerAsync();
        config = (JsonObject)config.DeepClone();
        config["records"] = "12";
        Assert.Equal(200, (await restarted.SendAsync(HttpMethod.Put, "connectors/src/config", config)).Status);
        await Eventually.TrueAsync(() => restarted.GetAsync("connectors/src/status").Result.Body?["tasks"]?.AsArray().Count == 1, "the task");
        cluster.Consume(topic, 12);
        var numbers = cluster.Consume(topic, 13, TimeSpan.FromSeconds(2)).Select(r => JsonNode.Parse(r.Message!.Value!)!["n"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), numbers);
    }

    [Fact]
    public async Task ExactlyOnceSource_FailureInBatch_TransactionAbortedAndNoOffsetStored()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "eosabort-" + Guid.NewGuid().ToString("N")[..6];

        // Batches of 5: 0-4 commit; the second batch (5-9) has a record for an invalid topic and must vanish whole.
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "src",
            ["config"] = new JsonObject { ["connector.class"] = "CountingSource", ["topic"] = topic, ["records"] = "10", ["bad.topic.at"] = "7", ["exactly.once.support"] = "required" },
        });

        var status = await worker.WaitForStatusAsync("src", s => s["tasks"]!.AsArray().Count == 1 && s["tasks"]![0]!["state"]!.GetValue<string>() == "FAILED");
        Assert.Contains("aborted", status["tasks"]![0]!["trace"]!.GetValue<string>());
        var committed = cluster.Consume(topic, 10, TimeSpan.FromSeconds(3));
        Assert.Equal([0L, 1L, 2L, 3L, 4L], committed.Select(r => JsonNode.Parse(r.Message!.Value!)!["n"]!.GetValue<long>()));

        Assert.Equal(204, (await worker.SendAsync(HttpMethod.Put, "connectors/src/stop")).Status);
        await worker.WaitForStatusAsync("src", s => s["connector"]!["state"]!.GetValue<string>() == "STOPPED");
        var (_, offsets) = await worker.GetAsync("connectors/src/offsets");
        Assert.Equal(4, offsets!["offsets"]![0]!["offset"]!["position"]!.GetValue<long>());
    }

    [Fact]
    public async Task ExactlyOnceSupport_InvalidValue_ValidationErrorNamesKey()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var (status, body) = await worker.SendAsync(HttpMethod.Put, "connector-plugins/CountingSource/config/validate",
            new JsonObject { ["topic"] = "t", ["exactly.once.support"] = "sometimes" });
        Assert.Equal(200, status);
        var value = body!["configs"]!.AsArray().Single(c => c!["value"]!["name"]!.GetValue<string>() == "exactly.once.support")!["value"]!;
        Assert.Contains("requested", value["errors"]![0]!.GetValue<string>());
    }
}
