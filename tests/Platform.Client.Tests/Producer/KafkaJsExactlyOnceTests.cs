using System.Collections.Concurrent;
using System.Diagnostics;
using Platform.Client.Admin;
using Xunit.Abstractions;

namespace Platform.Client.Tests.Producer;

/// <summary>
/// The exactly-once test of <see cref="ExactlyOnceTests"/> with a second, independent client doing the
/// copying: kafkajs's transactional producer with <c>sendOffsets</c> (tests/interop/kafkajs-eos-copier.js).
/// A seeded fault injector SIGKILLs the node process (restarting it with the same transactionalId, so
/// the new one fences the old) and restarts the broker at random points of the copy; the output read by
/// our read_committed consumer must hold each input exactly once.
/// </summary>
public sealed class KafkaJsExactlyOnceTests(ITestOutputHelper output)
{
    private const int Records = 30_000;
    private const int Partitions = 2;
    private const int Faults = 8;
    private const string Input = "kjs-eos-in";
    private const string OutputTopic = "kjs-eos-out";
    private const string Group = "kjs-eos-group";
    private static readonly TimeSpan CopyDeadline = TimeSpan.FromMinutes(3);

    private enum Fault
    {
        KillCopier,
        RestartBroker,
    }

    [Fact]
    public async Task KafkaJsCopier_SigkilledAndBrokerRestarted_OutputHoldsEachInputExactlyOnce()
    {
        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "kafkajs")), "kafkajs is not installed: run npm ci in tests/interop.");
        // kafkajs asks for a 3 s session so a killed copier's membership lapses fast; Kafka's minimum is 6 s.
        await using var harness = await ExactlyOnceHarness.StartAsync("platform-eos-kafkajs", o => o.GroupMinSessionTimeoutMs = 1_000);
        await harness.CreateTopicsAsync(Partitions, Input, OutputTopic);
        harness.ProduceNumbered(Input, Records, Partitions);

        // Progress points (records committed) where a fault strikes, half of each kind, in a seeded order.
        // A kill waits for the copier to open a transaction and strikes a few ms into it; a broker restart
        // strikes at a random moment.
        var random = new Random(ExactlyOnceHarness.Seed(20240611));
        var plan = Enumerable.Range(0, Faults)
            .Select(i => (At: (long)(Records * (0.05 + (0.85 * random.NextDouble()))), Kind: i % 2 == 0 ? Fault.KillCopier : Fault.RestartBroker, DelayMs: random.Next(0, 20)))
            .OrderBy(f => f.At)
            .ToList();
        int kills = 0, restarts = 0, crashes = 0;
        string[] arguments = [harness.Bootstrap, Input, OutputTopic, Group, "kjs-eos-copier"];
        var copier = KafkaJsCopier.Start(interop, arguments);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var next = 0;
            var progress = 0L;
            var progressAtLastFault = -1L;
            while (progress < Records)
            {
                Assert.True(stopwatch.Elapsed < CopyDeadline, $"copy stuck at {progress}/{Records} after {kills} kills, {restarts} restarts, {crashes} copier exits; copier said: {copier.Tail}");
                if (copier.HasExited)
                {
                    // The copier gives up on any error (e.g. its broker went away mid-transaction): a new incarnation takes over.
                    output.WriteLine($"copier exited with {copier.ExitCode} at {progress}: {copier.Tail}");
                    crashes++;
                    copier.Dispose();
                    copier = KafkaJsCopier.Start(interop, arguments);
                }

                // Only once the copier got going again: faults piled on a starting copier would test nothing new.
                if (next < plan.Count && progress >= plan[next].At && progress > progressAtLastFault)
                {
                    progressAtLastFault = progress;
                    if (plan[next].Kind == Fault.KillCopier)
                    {
                        await copier.NextTransactionAsync(TimeSpan.FromSeconds(10));
                        await Task.Delay(plan[next].DelayMs);
                        copier.Kill();
                        output.WriteLine($"killed at {progress}: {copier.Tail}");
                        copier.Dispose();
                        copier = KafkaJsCopier.Start(interop, arguments);
                        kills++;
                    }
                    else
                    {
                        await Task.Delay(plan[next].DelayMs);
                        await harness.RestartBrokerAsync();
                        restarts++;
                    }

                    next++;
                }

                await Task.Delay(100);
                progress = await CommittedAsync(harness.Bootstrap) ?? progress;
            }
        }
        finally
        {
            copier.Kill();
            copier.Dispose();
        }

        var faults = $"{kills} kills, {restarts} broker restarts, {crashes} copier exits, seed {ExactlyOnceHarness.Seed(20240611)}";
        output.WriteLine($"copied in {stopwatch.Elapsed.TotalSeconds:F1} s with {faults}");
        var copies = await harness.ReadCommittedAsync(OutputTopic, Partitions, Records);
        Assert.All(copies, c => Assert.StartsWith("copy:", c, StringComparison.Ordinal));
        ExactlyOnceHarness.AssertExactlyOnce([.. copies.Select(c => c["copy:".Length..])], Records, faults);
        Assert.Equal((Faults / 2, Faults / 2), (kills, restarts));
    }

    /// <summary>Records the copier's group has committed (offsets summed over partitions), or null while the broker is away.</summary>
    private static async Task<long?> CommittedAsync(string bootstrap)
    {
        try
        {
            await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Input, p)).ToList();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var result = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(Group, partitions)], cancellationToken: timeout.Token);
            return result.Single().Partitions.Sum(p => Math.Max(0, p.Offset.Value));
        }
        catch (Exception e) when (e is KafkaException or OperationCanceledException)
        {
            return null;
        }
    }
}
