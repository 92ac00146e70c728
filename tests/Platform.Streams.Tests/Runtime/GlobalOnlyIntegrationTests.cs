using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>A topology of global stores only (a lookup service, say) runs as in Kafka: no stream thread, no group, its stores queryable.</summary>
public sealed class GlobalOnlyIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GlobalOnlyTopology_Start_RunsAndItsStoreFollowsTheTopic()
    {
        await _cluster.CreateTopicAsync("global-only", 2);
        await _cluster.ProduceAsync("global-only", ("a", "1"), ("b", "2"));
        var builder = new StreamsBuilder();
        builder.GlobalTable("global-only", Consumed.With(Serdes.String, Serdes.String), Materialized.As<string, string>("lookup"));
        using var streams = new KafkaStreams(builder.Build(), _cluster.Config("global-only-app", _cluster.NewStateDir()), _logging);

        streams.Start();
        await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running");
        var store = streams.Store<IReadOnlyKeyValueStore<string, string>>("lookup");
        Assert.Equal("1", store.Get("a"));
        Assert.Equal("2", store.Get("b"));

        // Records written after the start reach the store too.
        await _cluster.ProduceAsync("global-only", ("a", "3"));
        await StreamsTestCluster.WaitUntilAsync(() => store.Get("a") == "3", "a = 3 in the global store");
        Assert.Equal(KafkaStreamsState.Running, streams.State);
    }
}
