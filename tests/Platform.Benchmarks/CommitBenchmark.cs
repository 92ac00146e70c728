using System.Diagnostics;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Admin;

namespace Platform.Benchmarks;

/// <summary>
/// Offset commits per second on one broker: a few consumers (one coordinator connection each)
/// keep many single-partition OffsetCommit requests in flight (pipelined), each for its own group.
/// </summary>
internal static class CommitBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var seconds = options.Int("seconds", 5);
        var connections = options.Int("connections", 4);
        var inFlight = options.Int("in-flight", 64);
        var partitions = options.Int("partitions", 100);
        await using var broker = await EmbeddedBroker.StartAsync();
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "commits", NumPartitions = partitions, ReplicationFactor = 1 }]);
        }

        var consumers = Enumerable.Range(0, connections)
            .Select(i => new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = $"commit-bench-{i}" }).Build())
            .ToList();
        foreach (var consumer in consumers)
        {
            await consumer.CommitAsync([new TopicPartitionOffset("commits", 0, 0)]);
        }

        Report.Heading($"offset commits: {connections} connections x {inFlight} in flight, {partitions} partitions ({Report.Load()})");
        long committed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();
        var workers = consumers.SelectMany(consumer => Enumerable.Range(0, inFlight).Select(slot => Task.Run(async () =>
        {
            long offset = 0;
            while (!stop.IsCancellationRequested)
            {
                await consumer.CommitAsync([new TopicPartitionOffset("commits", slot % partitions, ++offset)]);
                Interlocked.Increment(ref committed);
            }
        }))).ToList();
        await Task.WhenAll(workers);
        var rate = committed / clock.Elapsed.TotalSeconds;
        Report.Row("commits/s", [rate], "commits/s", 0);
        Console.WriteLine($"  goal >= 50,000 commits/s: {Report.Goal(rate >= 50_000)}");
        foreach (var consumer in consumers)
        {
            consumer.Close();
        }

        return 0;
    }
}
