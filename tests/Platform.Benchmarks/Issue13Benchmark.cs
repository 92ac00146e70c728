using System.Diagnostics;
using Platform.Client;
using Platform.Client.Serialization;

namespace Platform.Benchmarks;

/// <summary>
/// Issue 13's client figures. <c>produce13</c>: <c>platform perf produce</c> against <c>kcat -P</c>
/// (acks=1, linger.ms=5, the same records), each side on a fresh broker process, alternating, once with
/// Kafka's producer defaults and once with tuned settings; then our <c>ProduceAsync</c> with every
/// result awaited (in this process) against kcat. <c>coldconsume</c>: <c>platform perf consume</c>
/// against <c>kcat -C</c> reading one topic after the page cache was dropped, alternating, the broker
/// restarted before each side. Brokers run with <c>log.write.caching=true</c>, so the figures are the
/// clients' and not the broker's fsyncs.
/// </summary>
internal static class Issue13Benchmark
{
    private const string DefaultTuned = "batch.size=1048576";

    public static async Task<int> ProduceAsync(Options options)
    {
        var records = options.Long("records", 2_000_000);
        var size = options.Int("size", 100);
        var partitions = options.Int("partitions", 4);
        var rounds = options.Int("rounds", 3);
        var tuned = options.String("tuned", DefaultTuned).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var window = options.Int("async-window", 10_000);
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-produce13"));
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        var client = options.String("client", "");
        IngestBenchmark.ResetDirectory(root);
        if (client.Length == 0)
        {
            client = await BrokerProcess.PublishAsync();
        }

        Console.WriteLine($"produce13: client {client}, {records:N0} x {size} B, acks=1, linger.ms=5, {partitions} partitions, {rounds} rounds, tuned: {string.Join(' ', tuned)}, in {root} ({Report.Load()})");
        var file = Path.Combine(root, "records.txt");
        await IngestBenchmark.WriteRecordsAsync(file, records, size);

        (string Name, string[] Props)[] settings = [("Kafka's defaults", []), ($"tuned ({string.Join(' ', tuned)})", tuned)];
        foreach (var (name, props) in settings)
        {
            await AlternateAsync($"produce, {name}", rounds, executable, root, partitions, records, file, async broker =>
            {
                var run = await ClientBenchmark.PerfProduceAsync(client, broker, "bench", records, size, props);
                return (run.Elapsed, run.CpuSeconds);
            });
        }

        // ProduceAsync with every result awaited, in this process (JIT warmed by an untimed first run).
        await using (var warm = await StartFreshAsync(executable, root, partitions))
        {
            await ProduceAsyncRun(warm, Math.Min(records, 200_000), size, window);
        }

        await AlternateAsync($"ProduceAsync, {window:N0} awaited results outstanding, Kafka's defaults (in-process, warm JIT)", rounds, executable, root, partitions, records, file, broker => ProduceAsyncRun(broker, records, size, window));
        Directory.Delete(root, recursive: true);
        return 0;
    }

    /// <summary>
    /// Rounds of <paramref name="ours"/> against kcat producing <paramref name="file"/>, each on a fresh
    /// broker, who goes first alternating; prints each round and the medians with the goals.
    /// </summary>
    private static async Task AlternateAsync(
        string heading,
        int rounds,
        string executable,
        string root,
        int partitions,
        long records,
        string file,
        Func<BrokerProcess, Task<(TimeSpan Elapsed, double CpuSeconds)>> ours)
    {
        List<double> oursRate = [], kcatRate = [], oursCpu = [], kcatCpu = [], oursBroker = [], kcatBroker = [], ratios = [];
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var oursFirst in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                await using var broker = await StartFreshAsync(executable, root, partitions);
                var brokerBefore = broker.CpuSeconds;
                var (elapsed, cpu) = oursFirst ? await ours(broker) : await KcatAsync(broker, file);
                var brokerCpu = (broker.CpuSeconds - brokerBefore) / (records / 1e6);
                (oursFirst ? oursRate : kcatRate).Add(records / elapsed.TotalSeconds);
                (oursFirst ? oursCpu : kcatCpu).Add(cpu / (records / 1e6));
                (oursFirst ? oursBroker : kcatBroker).Add(brokerCpu);
                await IngestBenchmark.VerifyAsync(broker, "bench", partitions, records, countWithConsumer: false);
            }

            ratios.Add(oursRate[^1] / kcatRate[^1]);
            Console.WriteLine($"  {heading}, round {round}: ours {Report.F(oursRate[^1], 0)} rec/s ({Report.F(oursCpu[^1], 2)} CPU s/M, broker {Report.F(oursBroker[^1], 2)}), kcat {Report.F(kcatRate[^1], 0)} rec/s ({Report.F(kcatCpu[^1], 2)} CPU s/M, broker {Report.F(kcatBroker[^1], 2)}), ratio {Report.Percent(ratios[^1])}, {Report.Load()}");
        }

        Report.Heading(heading);
        Report.Row("ours (rec/s, wall clock)", oursRate, "rec/s", 0);
        Report.Row("kcat (rec/s, wall clock)", kcatRate, "rec/s", 0);
        Report.Row("ours CPU s / M records", oursCpu, "s", 2);
        Report.Row("kcat CPU s / M records", kcatCpu, "s", 2);
        Report.Row("broker CPU s / M records, ours", oursBroker, "s", 2);
        Report.Row("broker CPU s / M records, kcat", kcatBroker, "s", 2);
        var ratio = Report.Median(ratios);
        var cpuRatio = Report.Median(oursCpu) / Report.Median(kcatCpu);
        Console.WriteLine($"  ours/kcat median of the rounds' ratios {Report.Percent(ratio)} (goal >= 130%: {Report.Goal(ratio >= 1.3)}); CPU per record ours/kcat {Report.Percent(cpuRatio)} (goal <= 100%: {Report.Goal(cpuRatio <= 1)})");
    }

    public static async Task<int> ColdConsumeAsync(Options options)
    {
        var records = options.Long("records", 10_000_000);
        var size = options.Int("size", 100);
        var partitions = options.Int("partitions", 4);
        var rounds = options.Int("rounds", 3);
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-coldconsume"));
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        if (!Shell.DropCaches())
        {
            throw new ArgumentException("coldconsume drops the page cache before each side: run it as root.");
        }

        IngestBenchmark.ResetDirectory(root);
        Console.WriteLine($"coldconsume: {records:N0} x {size} B, {partitions} partitions, {rounds} rounds, in {root} ({Report.FreeDisk(root)}, {Report.Load()})");
        var file = Path.Combine(root, "records.txt");
        await IngestBenchmark.WriteRecordsAsync(file, records, size);
        var dataDir = Path.Combine(root, "data");
        await using (var writer = await BrokerProcess.StartAsync(executable, dataDir, Config(partitions)))
        {
            await IngestBenchmark.KcatProduceAsync(["-b", writer.Bootstrap, "-t", "cold"], file);
            await IngestBenchmark.VerifyAsync(writer, "cold", partitions, records, countWithConsumer: false);
        }

        File.Delete(file);
        List<double> ours = [], kcat = [], oursCpu = [], kcatCpu = [], oursBroker = [], kcatBroker = [], ratios = [];
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var oursFirst in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                // The broker restarted and the page cache dropped: every byte comes from the disk.
                await using var broker = await BrokerProcess.StartAsync(executable, dataDir, Config(partitions));
                Shell.DropCaches();
                var brokerBefore = broker.CpuSeconds;
                if (oursFirst)
                {
                    var result = await ClientBenchmark.PerfConsumeAsync(executable, broker, "cold", records);
                    ours.Add(records / result.Elapsed.TotalSeconds);
                    oursCpu.Add(result.CpuSeconds / (records / 1e6));
                    oursBroker.Add((broker.CpuSeconds - brokerBefore) / (records / 1e6));
                }
                else
                {
                    var (elapsed, cpu) = await ClientBenchmark.KcatConsumeAsync(broker, "cold", records);
                    kcat.Add(records / elapsed.TotalSeconds);
                    kcatCpu.Add(cpu / (records / 1e6));
                    kcatBroker.Add((broker.CpuSeconds - brokerBefore) / (records / 1e6));
                }
            }

            ratios.Add(ours[^1] / kcat[^1]);
            Console.WriteLine($"  round {round}: ours {Report.F(ours[^1], 0)} rec/s ({Report.F(oursCpu[^1], 2)} CPU s/M, broker {Report.F(oursBroker[^1], 2)}), kcat {Report.F(kcat[^1], 0)} rec/s ({Report.F(kcatCpu[^1], 2)} CPU s/M, broker {Report.F(kcatBroker[^1], 2)}), ratio {Report.Percent(ratios[^1])}, {Report.Load()}");
        }

        Report.Heading($"consume from cold data ({records:N0} x {size} B, {partitions} partitions, page cache dropped before each side)");
        Report.Row("ours (rec/s, wall clock)", ours, "rec/s", 0);
        Report.Row("kcat (rec/s, wall clock)", kcat, "rec/s", 0);
        Report.Row("ours CPU s / M records", oursCpu, "s", 2);
        Report.Row("kcat CPU s / M records", kcatCpu, "s", 2);
        Report.Row("broker CPU s / M records, ours", oursBroker, "s", 2);
        Report.Row("broker CPU s / M records, kcat", kcatBroker, "s", 2);
        var ratio = Report.Median(ratios);
        Console.WriteLine($"  ours/kcat median of the rounds' ratios {Report.Percent(ratio)} (goal >= 100%: {Report.Goal(ratio >= 1)}); ours >= 2,000,000 rec/s: {Report.Goal(Report.Median(ours) >= 2_000_000)}");
        Directory.Delete(root, recursive: true);
        return 0;
    }

    private static async Task<(TimeSpan Elapsed, double CpuSeconds)> KcatAsync(BrokerProcess broker, string file)
    {
        var run = await IngestBenchmark.KcatProduceAsync(["-b", broker.Bootstrap, "-t", "bench"], file);
        return (run.Elapsed, run.CpuSeconds);
    }

    private static string Config(int partitions) => $$"""{ "Broker": { "num.partitions": {{partitions}}, "log.write.caching": true } }""";

    /// <summary>A broker on an empty data directory, warmed by an untimed kcat run so neither side pays its JIT.</summary>
    private static async Task<BrokerProcess> StartFreshAsync(string executable, string root, int partitions)
    {
        var dataDir = Path.Combine(root, "data");
        IngestBenchmark.ResetDirectory(dataDir);
        var broker = await BrokerProcess.StartAsync(executable, dataDir, Config(partitions));
        var warmup = Path.Combine(root, "warmup.txt");
        if (!File.Exists(warmup))
        {
            await IngestBenchmark.WriteRecordsAsync(warmup, 200_000, 100);
        }

        await IngestBenchmark.KcatProduceAsync(["-b", broker.Bootstrap, "-t", "warmup"], warmup);
        return broker;
    }

    /// <summary>
    /// <paramref name="records"/> <c>ProduceAsync</c> calls (acks=1, linger.ms=5, otherwise Kafka's
    /// defaults), every result awaited, at most <paramref name="window"/> outstanding; wall clock and
    /// this process's CPU.
    /// </summary>
    private static async Task<(TimeSpan Elapsed, double CpuSeconds)> ProduceAsyncRun(BrokerProcess broker, long records, int size, int window)
    {
        var payload = new byte[size];
        Array.Fill(payload, (byte)'x');
        var message = new Message<Null?, byte[]> { Value = payload };
        var config = new ProducerConfig { BootstrapServers = broker.Bootstrap, Acks = Acks.Leader, LingerMs = 5 };
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<Null?, byte[]>(config).Build())
        {
            var outstanding = new Task<DeliveryResult<Null?, byte[]>>[window];
            for (long i = 0; i < records; i++)
            {
                var slot = (int)(i % window);
                if (outstanding[slot] is { } previous)
                {
                    await previous;
                }

                outstanding[slot] = producer.ProduceAsync("bench", message);
            }

            foreach (var task in outstanding)
            {
                if (task is not null)
                {
                    await task;
                }
            }
        }

        return (watch.Elapsed, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds);
    }
}
