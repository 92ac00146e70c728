using System.Text.Json;
using Json.Schema;

namespace Platform.Connect.Tests;

public sealed class ConfigDirectoryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "connect-config-" + Guid.NewGuid().ToString("N"));

    public ConfigDirectoryTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string file, string text)
    {
        var temp = Path.Combine(_dir, file + ".tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, Path.Combine(_dir, file), overwrite: true);
    }

    [Fact]
    public async Task Directory_AddChangeDelete_AppliedWithoutRestart()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync(_dir);
        var topic = "dir-" + Guid.NewGuid().ToString("N")[..6];

        Write("counter.json", $$$"""{"name": "counter", "config": {"connector.class": "CountingSource", "topic": "{{{topic}}}", "records": 2, "tasks.max": "1"}}""");
        await worker.WaitForRunningAsync("counter");
        Assert.Equal(2, cluster.Consume(topic, 2).Count);

        Write("counter.json", $$$"""{"name": "counter", "config": {"connector.class": "CountingSource", "topic": "{{{topic}}}", "records": 2, "tasks.max": "2"}}""");
        await worker.WaitForRunningAsync("counter", tasks: 2);
        var (_, config) = await worker.GetAsync("connectors/counter/config");
        Assert.Equal("2", config!["tasks.max"]!.GetValue<string>());

        // File-managed connectors are changed through their file only.
        var (status, body) = await worker.SendAsync(HttpMethod.Delete, "connectors/counter");
        Assert.Equal(409, status);
        Assert.Contains("counter.json", body!["message"]!.GetValue<string>());

        File.Delete(Path.Combine(_dir, "counter.json"));
        await Eventually.TrueAsync(() => worker.GetAsync("connectors/counter").Result.Status == 404, "counter deleted");
    }

    [Fact]
    public async Task Directory_InvalidFile_ProblemNamesFileAndKeyAndNothingRuns()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync(_dir);

        Write("broken.json", """{"name": "broken", "config": {"connector.class": "CountingSource", "topic": "t", "records": "lots"}}""");
        Write("unknown.json", """{"name": "unknown", "config": {"connector.class": "NoSuchConnector"}}""");
        Write("shape.json", """{"name": "shape", "settings": {}}""");
        await Eventually.TrueAsync(() => worker.Worker.ConfigDirectoryProblems.Count == 3, "three problems");

        var problems = worker.Worker.ConfigDirectoryProblems;
        Assert.Contains("broken.json", problems["broken.json"]);
        Assert.Contains("records", problems["broken.json"]);
        Assert.Contains("expected a 32-bit integer", problems["broken.json"]);
        Assert.Contains("connector.class", problems["unknown.json"]);
        Assert.Contains("'settings'", problems["shape.json"]);
        var (_, names) = await worker.GetAsync("connectors");
        Assert.Empty(names!.AsArray());

        Write("broken.json", """{"name": "broken", "config": {"connector.class": "CountingSource", "topic": "t", "records": "1"}}""");
        await worker.WaitForRunningAsync("broken");
        Assert.False(worker.Worker.ConfigDirectoryProblems.ContainsKey("broken.json"));
    }

    [Fact]
    public async Task Schema_PublishedForPlugin_ValidatesGoodFileAndRejectsBadOne()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var (_, schemaJson) = await worker.GetAsync("connector-plugins/CountingSource/config/schema");
        var schema = JsonSchema.FromText(schemaJson!.ToJsonString());

        var good = JsonDocument.Parse("""{"name": "c", "config": {"connector.class": "CountingSource", "topic": "t", "records": 5, "errors.tolerance": "all"}}""");
        Assert.True(schema.Evaluate(good.RootElement).IsValid);
        var bad = JsonDocument.Parse("""{"name": "c", "config": {"connector.class": "CountingSource", "records": "five", "errors.tolerance": "some"}}""");
        Assert.False(schema.Evaluate(bad.RootElement).IsValid);
    }
}
