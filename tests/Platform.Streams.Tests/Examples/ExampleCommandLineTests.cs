using Platform.Client.Admin;
using Platform.Streams.Tests.Runtime;

namespace Platform.Streams.Tests.Examples;

/// <summary>The example programs as a user runs them: arguments, topics they create, stopping on SIGTERM.</summary>
public sealed class ExampleCommandLineTests : IAsyncLifetime
{
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("WordCount", new string[0], "--bootstrap-server HOST:PORT is required")]
    [InlineData("WordCount", new[] { "--bootstrap-server", "localhost" }, "--bootstrap-server must be HOST:PORT")]
    [InlineData("PageViews", new[] { "--bootstrap-server", "127.0.0.1:9092", "--processing-guarantee", "exactly_once" }, "--processing-guarantee must be exactly_once_v2 or at_least_once, got 'exactly_once'")]
    [InlineData("OrderEnrichment", new[] { "--bootstrap-server", "127.0.0.1:9092", "--threads", "2" }, "unknown argument '--threads'")]
    [InlineData("OrderEnrichment", new[] { "--bootstrap-server" }, "--bootstrap-server needs a value")]
    public async Task Main_BadArguments_ExitsWithUsageNamingTheArgument(string example, string[] args, string message)
    {
        using var process = ExampleProcess.Start(example, args);

        Assert.Equal(2, await process.WaitForExitAsync());
        Assert.Contains(process.Lines, l => l.Contains("error: " + message, StringComparison.Ordinal));
        Assert.Contains(process.Lines, l => l.StartsWith($"usage: {example} --bootstrap-server HOST:PORT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Main_InputExistsOutputMissing_CreatesOutputLikeTheInputAndStopsCleanlyOnSigterm()
    {
        await _cluster.CreateTopicAsync("orders", 3);
        using var process = ExampleProcess.Start(
            "OrderEnrichment",
            ["--bootstrap-server", _cluster.BootstrapServers, "--application-id", "enrich-cli"],
            new Dictionary<string, string> { ["Streams__state.dir"] = _cluster.NewStateDir() });

        await process.WaitForOutputAsync("to Running");
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        var metadata = await admin.GetMetadataAsync(["orders", "customers", "orders-enriched"]);
        Assert.All(metadata.Topics, t => Assert.Equal(3, t.Partitions.Count));

        Assert.Equal(0, await process.TerminateAsync());
        Assert.Contains(process.Lines, l => l.Contains("State transition from PendingShutdown to NotRunning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Main_NoTopics_CreatesThemWithFourPartitions()
    {
        using var process = ExampleProcess.Start(
            "WordCount",
            ["--bootstrap-server", _cluster.BootstrapServers, "--processing-guarantee", "exactly_once_v2"],
            new Dictionary<string, string> { ["Streams__state.dir"] = _cluster.NewStateDir() });

        await process.WaitForOutputAsync("to Running");
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        var metadata = await admin.GetMetadataAsync(["words-input", "word-counts"]);
        Assert.All(metadata.Topics, t => Assert.Equal(4, t.Partitions.Count));
        Assert.Equal(0, await process.TerminateAsync());
    }
}
