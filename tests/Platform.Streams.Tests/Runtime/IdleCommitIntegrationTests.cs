using Platform.Client;
using Platform.Client.Admin;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Runtime;

/// <summary>A stream thread whose input goes quiet still commits on time: its wait for records does not hold a commit back.</summary>
public sealed class IdleCommitIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AtLeastOnce_InputGoesQuietAfterARecord_ItsOffsetIsCommittedLongBeforePollMs()
    {
        await _cluster.CreateTopicAsync("quiet-in", 1);
        await _cluster.CreateTopicAsync("quiet-out", 1);
        var builder = new StreamsBuilder();
        builder.Stream("quiet-in", Consumed.With(Serdes.String, Serdes.String))
            .To("quiet-out", Produced.With(Serdes.String, Serdes.String));

        // An idle poll of 20 s: the commit of the record below must not wait for it to end.
        var config = _cluster.Config("quiet", _cluster.NewStateDir());
        config["poll.ms"] = "20000";
        using var streams = new KafkaStreams(builder.Build(config), config, _logging);
        streams.Start();
        await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running");

        // The thread is waiting for records when this one comes; its commit (at_least_once: once the output is
        // acknowledged) follows within a commit interval or so, not after the next 20 s wait.
        await Task.Delay(500);
        await _cluster.ProduceAsync("quiet-in", ("k", "v"));
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        var committed = -1L;
        var deadline = Environment.TickCount64 + 10_000;
        while (committed < 1 && Environment.TickCount64 < deadline)
        {
            var results = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("quiet", [new TopicPartition("quiet-in", 0)])]);
            committed = results[0].Partitions.Single().Offset.Value;
            await Task.Delay(50);
        }

        Assert.Equal(1, committed);
        streams.Close();
    }
}
