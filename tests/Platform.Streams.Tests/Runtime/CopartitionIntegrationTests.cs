using Platform.Streams.Errors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Joined topics with different partition counts stop the start with a message naming both.</summary>
public sealed class CopartitionIntegrationTests : IAsyncLifetime
{
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Start_CopartitionedTopicsWithDifferentCounts_ThrowsNamingBothTopics()
    {
        await _cluster.CreateTopicAsync("left-input", 3);
        await _cluster.CreateTopicAsync("right-input", 2);
        var topology = new Topology()
            .AddSource("left", Serdes.String, Serdes.String, "left-input")
            .AddSource("right", Serdes.String, Serdes.String, "right-input")
            .AddProcessor("join", () => new SplitWordsProcessor(), "left", "right")
            .AddSink("out", "joined", Serdes.String, Serdes.String, null, "join");
        topology.CopartitionSources(["left", "right"]);
        using var streams = new KafkaStreams(topology, _cluster.Config("copartition", _cluster.NewStateDir()));

        var error = Assert.Throws<TopologyException>(() => streams.Start());

        Assert.Contains("left-input", error.Message, StringComparison.Ordinal);
        Assert.Contains("right-input", error.Message, StringComparison.Ordinal);
    }
}
