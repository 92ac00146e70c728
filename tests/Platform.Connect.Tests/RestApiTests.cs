using System.Text.Json.Nodes;

namespace Platform.Connect.Tests;

public sealed class RestApiTests
{
    private static JsonObject SourceConfig(string topic) => new()
    {
        ["connector.class"] = "CountingSource",
        ["topic"] = topic,
        ["records"] = "3",
    };

    [Fact]
    public async Task Endpoints_ConnectorLifecycle_KafkaShapesAndErrorBodies()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "rest-" + Guid.NewGuid().ToString("N")[..6];

        var (status, body) = await worker.GetAsync("");
        Assert.Equal(200, status);
        Assert.NotNull(body!["version"]);
        using (var admin = new Platform.Client.Admin.AdminClientBuilder(new Dictionary<string, string> { ["bootstrap.servers"] = cluster.Broker.BootstrapServers }).Build())
        {
            var clusterId = (await admin.DescribeClusterAsync()).ClusterId;
            Assert.False(string.IsNullOrEmpty(clusterId));
            Assert.Equal(clusterId, body["kafka_cluster_id"]!.GetValue<string>());
        }

        (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "c1", ["config"] = SourceConfig(topic) });
        Assert.Equal(201, status);
        Assert.Equal("c1", body!["name"]!.GetValue<string>());
        Assert.Equal("source", body["type"]!.GetValue<string>());

        (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "c1", ["config"] = SourceConfig(topic) });
        Assert.Equal(409, status);
        Assert.Equal(409, body!["error_code"]!.GetValue<int>());
        Assert.Contains("already exists", body["message"]!.GetValue<string>());

        (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "bad", ["config"] = new JsonObject { ["connector.class"] = "CountingSource", ["records"] = "many" } });
        Assert.Equal(400, status);
        Assert.Contains("topic", body!["message"]!.GetValue<string>());
        Assert.Contains("records", body["message"]!.GetValue<string>());

        (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", "{not json");
        Assert.Equal(400, status);
        Assert.Equal(400, body!["error_code"]!.GetValue<int>());

        await worker.WaitForRunningAsync("c1");
        (status, body) = await worker.GetAsync("connectors");
        Assert.Equal(["c1"], body!.AsArray().Select(n => n!.GetValue<string>()));
        (status, body) = await worker.GetAsync("connectors?expand=status&expand=info");
        Assert.Equal("RUNNING", body!["c1"]!["status"]!["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(topic, body["c1"]!["info"]!["config"]!["topic"]!.GetValue<string>());

        (status, body) = await worker.GetAsync("connectors/c1");
        Assert.Equal("c1", body!["tasks"]![0]!["connector"]!.GetValue<string>());
        (status, body) = await worker.GetAsync("connectors/c1/config");
        Assert.Equal("CountingSource", body!["connector.class"]!.GetValue<string>());
        (status, body) = await worker.GetAsync("connectors/c1/tasks");
        Assert.Equal(0, body![0]!["id"]!["task"]!.GetValue<int>());
        Assert.Equal(topic, body[0]!["config"]!["topic"]!.GetValue<string>());
        (status, body) = await worker.GetAsync("connectors/c1/tasks/0/status");
        Assert.Equal((200, "RUNNING", 0), (status, body!["state"]!.GetValue<string>(), body["id"]!.GetValue<int>()));
        Assert.Equal(worker.Worker.WorkerId, body["worker_id"]!.GetValue<string>());

        (status, body) = await worker.GetAsync("connectors/nope/status");
        Assert.Equal((404, 404), (status, body!["error_code"]!.GetValue<int>()));
        Assert.Equal("Connector nope not found", body["message"]!.GetValue<string>());
        Assert.Equal(404, (await worker.GetAsync("connectors/c1/tasks/5/status")).Status);
        Assert.Equal(404, (await worker.GetAsync("no/such/path")).Status);

        var updated = SourceConfig(topic);
        updated["records"] = "4";
        (status, _) = await worker.SendAsync(HttpMethod.Put, "connectors/c1/config", updated);
        Assert.Equal(200, status);
        (status, _) = await worker.SendAsync(HttpMethod.Put, "connectors/c2/config", SourceConfig(topic + "b"));
        Assert.Equal(201, status);
        (status, body) = await worker.SendAsync(HttpMethod.Put, "connectors/c2/config", new JsonObject { ["connector.class"] = "CountingSource", ["topic"] = "t", ["name"] = "other" });
        Assert.Equal(400, status);

        Assert.Equal(202, (await worker.SendAsync(HttpMethod.Put, "connectors/c1/pause")).Status);
        await worker.WaitForStatusAsync("c1", s => s["connector"]!["state"]!.GetValue<string>() == "PAUSED" && s["tasks"]![0]!["state"]!.GetValue<string>() == "PAUSED");
        Assert.Equal(202, (await worker.SendAsync(HttpMethod.Put, "connectors/c1/resume")).Status);
        await worker.WaitForRunningAsync("c1");

        Assert.Equal(204, (await worker.SendAsync(HttpMethod.Post, "connectors/c1/restart")).Status);
        (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors/c1/restart?includeTasks=true&onlyFailed=false");
        Assert.Equal(202, status);
        Assert.Equal("c1", body!["name"]!.GetValue<string>());
        Assert.Equal(204, (await worker.SendAsync(HttpMethod.Post, "connectors/c1/tasks/0/restart")).Status);
        Assert.Equal(404, (await worker.SendAsync(HttpMethod.Post, "connectors/c1/tasks/9/restart")).Status);
        await worker.WaitForRunningAsync("c1");

        // Offsets need a STOPPED connector, as in Kafka.
        (status, body) = await worker.SendAsync(HttpMethod.Delete, "connectors/c1/offsets");
        Assert.Equal(400, status);
        Assert.Contains("STOPPED", body!["message"]!.GetValue<string>());
        Assert.Equal(204, (await worker.SendAsync(HttpMethod.Put, "connectors/c1/stop")).Status);
        await worker.WaitForStatusAsync("c1", s => s["connector"]!["state"]!.GetValue<string>() == "STOPPED");
        (status, body) = await worker.GetAsync("connectors/c1/offsets");
        Assert.Equal(3, body!["offsets"]![0]!["offset"]!["position"]!.GetValue<long>());
        (status, body) = await worker.SendAsync(HttpMethod.Patch, "connectors/c1/offsets", new JsonObject
        {
            ["offsets"] = new JsonArray(new JsonObject { ["partition"] = new JsonObject { ["counter"] = 0 }, ["offset"] = new JsonObject { ["position"] = 1 } }),
        });
        Assert.Equal(200, status);
        Assert.Contains("altered", body!["message"]!.GetValue<string>());
        (_, body) = await worker.GetAsync("connectors/c1/offsets");
        Assert.Equal(1, body!["offsets"]![0]!["offset"]!["position"]!.GetValue<long>());
        (status, body) = await worker.SendAsync(HttpMethod.Delete, "connectors/c1/offsets");
        Assert.Equal(200, status);
        (_, body) = await worker.GetAsync("connectors/c1/offsets");
        Assert.Empty(body!["offsets"]!.AsArray());

        Assert.Equal(204, (await worker.SendAsync(HttpMethod.Delete, "connectors/c1")).Status);
        Assert.Equal(404, (await worker.SendAsync(HttpMethod.Delete, "connectors/c1")).Status);
        Assert.Equal(404, (await worker.GetAsync("connectors/c1")).Status);
    }

    [Fact]
    public async Task Plugins_ListValidateConfigAndSchema_KafkaShapes()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();

        var (status, body) = await worker.GetAsync("connector-plugins");
        Assert.Equal(200, status);
        Assert.Contains(body!.AsArray(), p => p!["class"]!.GetValue<string>().EndsWith("CountingSourceConnector", StringComparison.Ordinal) && p["type"]!.GetValue<string>() == "source");
        (_, body) = await worker.GetAsync("connector-plugins?connectorsOnly=false");
        Assert.Contains(body!.AsArray(), p => p!["type"]!.GetValue<string>() == "transformation" && p["class"]!.GetValue<string>().EndsWith("InsertField+Value", StringComparison.Ordinal));

        (status, body) = await worker.SendAsync(HttpMethod.Put, "connector-plugins/CountingSource/config/validate", new JsonObject { ["records"] = "x", ["errors.tolerance"] = "some" });
        Assert.Equal(200, status);
        Assert.True(body!["error_count"]!.GetValue<int>() >= 3);
        var configs = body["configs"]!.AsArray();
        Assert.NotEmpty(configs.First(c => c!["value"]!["name"]!.GetValue<string>() == "topic")!["value"]!["errors"]!.AsArray());
        Assert.NotEmpty(configs.First(c => c!["value"]!["name"]!.GetValue<string>() == "errors.tolerance")!["value"]!["errors"]!.AsArray());
        Assert.Equal("INT", configs.First(c => c!["value"]!["name"]!.GetValue<string>() == "records")!["definition"]!["type"]!.GetValue<string>());

        (status, body) = await worker.GetAsync("connector-plugins/CountingSource/config");
        Assert.Contains(body!.AsArray(), k => k!["name"]!.GetValue<string>() == "records");
        (status, body) = await worker.GetAsync("connector-plugins/CountingSource/config/schema");
        Assert.Equal(200, status);
        Assert.Equal("object", body!["type"]!.GetValue<string>());
        Assert.Contains("topic", body["properties"]!["config"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(404, (await worker.GetAsync("connector-plugins/Nope/config/schema")).Status);
    }
}
