using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Streams.Hosting;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>The word count as a hosted service, configured from the <c>Streams</c> section with Kafka's key names.</summary>
public sealed class HostingIntegrationTests : IAsyncLifetime
{
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        await _cluster.CreateTopicAsync("words-input", 2);
        await _cluster.CreateTopicAsync("word-counts", 2);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AddStreams_HostStartsAndStops_RunsTheTopologyAndClosesCleanly()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:application.id"] = "hosted",
            ["Streams:bootstrap.servers"] = _cluster.BootstrapServers,
            ["Streams:state.dir"] = _cluster.NewStateDir(),
            ["Streams:commit.interval.ms"] = "100",
            ["Streams:consumer.fetch.max.wait.ms"] = "50",
        });
        builder.Services.AddStreams(StreamsTestCluster.WordCount(Stores.InMemoryKeyValueStore("counts")), c => c["num.stream.threads"] = "2");
        using var host = builder.Build();

        await host.StartAsync();
        var streams = host.Services.GetRequiredService<KafkaStreams>();
        await _cluster.ProduceAsync("words-input", (null, "hosted words hosted"));
        var counts = StreamsTestCluster.Latest(await _cluster.ReadUntilAsync("word-counts", r => StreamsTestCluster.Latest(r).GetValueOrDefault("hosted") == 2));
        Assert.Equal(1, counts["words"]);
        Assert.Equal("hosted", streams.ApplicationId);
        Assert.Equal(2, streams.MetadataForLocalThreads().Count);

        await host.StopAsync();

        Assert.Equal(KafkaStreamsState.NotRunning, streams.State);
    }
}
