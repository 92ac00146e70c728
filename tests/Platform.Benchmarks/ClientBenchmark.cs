using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Benchmarks;

/// <summary>
/// <c>client</c>: issue 3's figures. Our producer (<c>platform perf produce</c>) against kcat (librdkafka)
/// producing the same records with the same settings into the same broker process, alternating rounds;
/// then our consumer (<c>platform perf consume</c>) against kcat reading the same topic. Both sides are
/// timed by wall clock around the whole process (start-up and JIT count against us); the perf tools'
/// own figures (rate, p99 latency, bytes allocated per record) are printed beside.
/// </summary>
internal static partial class ClientBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var records = options.Long("records", 5_000_000);
        var consumeRecords = options.Long("consume-records", 10_000_000);
        var size = options.Int("size", 100);
        var partitions = options.Int("partitions", 4);
        var rounds = options.Int("rounds", 3);
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-client"));
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        Console.WriteLine($"client: produce {records:N0} x {size} B, consume {consumeRecords:N0}, {partitions} partitions, {rounds} rounds, in {root} ({Report.FreeDisk(root)}, {Report.Load()})");
        var file = Path.Combine(root, "records.txt");
        await IngestBenchmark.WriteRecordsAsync(file, records, size);
        await using var broker = await BrokerProcess.StartAsync(executable, Path.Combine(root, "data"), BrokerProcess.Config(options, partitions));

        // Untimed warm-up of the broker.
        await PerfProduceAsync(executable, broker, "warmup", 200_000, size);

        List<double> ours = [], kcat = [], oursOwn = [], p99 = [], allocated = [], oursCpu = [], kcatCpu = [];
        for (var round = 1; round <= rounds; round++)
        {
            // Alternate who goes first, so neither side always meets a warmer page cache.
            foreach (var oursFirst in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                if (oursFirst)
                {
                    var topic = $"ours-{round}";
                    var run = await PerfProduceAsync(executable, broker, topic, records, size);
                    await IngestBenchmark.VerifyAsync(broker, topic, partitions, records, countWithConsumer: false);
                    ours.Add(records / run.Elapsed.TotalSeconds);
                    oursOwn.Add(run.Rate);
                    p99.Add(run.P99);
                    allocated.Add(run.AllocatedPerRecord);
                    oursCpu.Add(run.CpuSeconds / (records / 1e6));
                }
                else
                {
                    var topic = $"kcat-{round}";
                    var result = await IngestBenchmark.KcatProduceAsync(["-b", broker.Bootstrap, "-t", topic], file);
                    await IngestBenchmark.VerifyAsync(broker, topic, partitions, records, countWithConsumer: false);
                    kcat.Add(records / result.Elapsed.TotalSeconds);
                    kcatCpu.Add(result.CpuSeconds / (records / 1e6));
                }
            }

            Console.WriteLine($"  produce round {round}: ours {Report.F(ours[^1], 0)} rec/s by wall clock ({Report.F(oursOwn[^1], 0)} by its own count, p99 {Report.F(p99[^1], 0)} ms, {Report.F(allocated[^1], 0)} B allocated/record, {Report.F(oursCpu[^1], 2)} CPU s/M), kcat {Report.F(kcat[^1], 0)} rec/s ({Report.F(kcatCpu[^1], 2)} CPU s/M), {Report.Load()}");
        }

        Report.Heading($"produce (acks=1, linger.ms=5, {records:N0} x {size} B, {partitions} partitions)");
        Report.Row("ours, wall clock (rec/s)", ours, "rec/s", 0);
        Report.Row("ours, own count (rec/s)", oursOwn, "rec/s", 0);
        Report.Row("kcat (rec/s)", kcat, "rec/s", 0);
        Report.Row("ours p99 latency", p99, "ms", 0);
        Report.Row("ours allocated per record", allocated, "B", 0);
        Report.Row("ours CPU s / M records", oursCpu, "s", 2);
        Report.Row("kcat CPU s / M records", kcatCpu, "s", 2);
        var produceRatio = Report.Median(ours.Zip(kcat, (o, k) => o / k));
        Console.WriteLine($"  ours/kcat median of the rounds' ratios {Report.Percent(produceRatio)} (goal >= 100%: {Report.Goal(produceRatio >= 1)}); ours >= 1,000,000 rec/s: {Report.Goal(Report.Median(ours) >= 1_000_000)}");

        // One topic of consumeRecords records, read in full by each side in turn.
        await PerfProduceAsync(executable, broker, "consume", consumeRecords, size);
        await IngestBenchmark.VerifyAsync(broker, "consume", partitions, consumeRecords, countWithConsumer: false);
        List<double> oursConsume = [], kcatConsume = [], oursConsumeCpu = [], kcatConsumeCpu = [];
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var oursFirst in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                if (oursFirst)
                {
                    var result = await PerfConsumeAsync(executable, broker, "consume", consumeRecords);
                    oursConsume.Add(consumeRecords / result.Elapsed.TotalSeconds);
                    oursConsumeCpu.Add(result.CpuSeconds / (consumeRecords / 1e6));
                }
                else
                {
                    var (elapsed, cpu) = await KcatConsumeAsync(broker, "consume", consumeRecords);
                    kcatConsumeCpu.Add(cpu / (consumeRecords / 1e6));
                    kcatConsume.Add(consumeRecords / elapsed.TotalSeconds);
                }
            }

            Console.WriteLine($"  consume round {round}: ours {Report.F(oursConsume[^1], 0)} rec/s ({Report.F(oursConsumeCpu[^1], 2)} CPU s/M), kcat {Report.F(kcatConsume[^1], 0)} rec/s ({Report.F(kcatConsumeCpu[^1], 2)} CPU s/M) by wall clock, {Report.Load()}");
        }

        Report.Heading($"consume ({consumeRecords:N0} x {size} B, {partitions} partitions)");
        Report.Row("ours (rec/s)", oursConsume, "rec/s", 0);
        Report.Row("kcat (rec/s)", kcatConsume, "rec/s", 0);
        Report.Row("ours CPU s / M records", oursConsumeCpu, "s", 2);
        Report.Row("kcat CPU s / M records", kcatConsumeCpu, "s", 2);
        var consumeRatio = Report.Median(oursConsume.Zip(kcatConsume, (o, k) => o / k));
        Console.WriteLine($"  ours/kcat median of the rounds' ratios {Report.Percent(consumeRatio)} (goal > 100%: {Report.Goal(consumeRatio > 1)}); ours >= 2,000,000 rec/s: {Report.Goal(Report.Median(oursConsume) >= 2_000_000)}");
        await broker.StopAsync();
        Directory.Delete(root, recursive: true);
        return 0;
    }

    /// <summary><c>platform perf consume</c> of <paramref name="records"/> records from the beginning; fails unless it read exactly that many.</summary>
    internal static async Task<Shell.Result> PerfConsumeAsync(string executable, BrokerProcess broker, string topic, long records)
    {
        var result = await Shell.RunAsync(executable, ["perf", "consume", "--bootstrap-server", broker.Bootstrap, "--topic", topic, "--messages", records.ToString(CultureInfo.InvariantCulture)]);
        var received = ConsumedRegex().Matches(result.Stdout).LastOrDefault() ?? Match.Empty;
        if (result.ExitCode != 0 || !received.Success || long.Parse(received.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) != records)
        {
            throw new InvalidOperationException($"platform perf consume failed ({result.ExitCode}): {result.Stdout}{result.Stderr}");
        }

        return result;
    }

    /// <summary><c>kcat -C -e</c> of a whole topic, its lines counted; fails unless it read exactly <paramref name="records"/>.</summary>
    internal static async Task<(TimeSpan Elapsed, double CpuSeconds)> KcatConsumeAsync(BrokerProcess broker, string topic, long records)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (lines, cpu) = await Shell.CountLinesAsync(IngestBenchmark.Kcat, ["-C", "-b", broker.Bootstrap, "-t", topic, "-o", "beginning", "-e", "-q"]);
        if (lines != records)
        {
            throw new InvalidOperationException($"kcat -C read {lines:N0} of {records:N0} records.");
        }

        return (watch.Elapsed, cpu);
    }

    internal sealed record PerfRun(TimeSpan Elapsed, double Rate, double P99, double AllocatedPerRecord, double CpuSeconds);

    /// <summary><c>platform perf produce</c> with acks=1, linger.ms=5 and <paramref name="producerProps"/> (k=v) after them.</summary>
    internal static async Task<PerfRun> PerfProduceAsync(string executable, BrokerProcess broker, string topic, long records, int size, params string[] producerProps)
    {
        string[] args =
        [
            "perf", "produce", "--bootstrap-server", broker.Bootstrap, "--topic", topic,
            "--num-records", records.ToString(CultureInfo.InvariantCulture), "--record-size", size.ToString(CultureInfo.InvariantCulture),
            "--throughput", "-1", "--print-allocations", "--producer-props", "acks=1", "linger.ms=5", .. producerProps,
        ];
        var result = await Shell.RunAsync(executable, args);
        var summary = SummaryRegex().Match(result.Stdout);
        if (result.ExitCode != 0 || !summary.Success)
        {
            throw new InvalidOperationException($"platform {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stdout}{result.Stderr}");
        }

        var allocatedMatch = AllocatedRegex().Match(result.Stdout);
        return new PerfRun(
            result.Elapsed,
            double.Parse(summary.Groups["rate"].Value, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
            double.Parse(summary.Groups["p99"].Value, NumberStyles.Float, CultureInfo.InvariantCulture),
            allocatedMatch.Success ? double.Parse(allocatedMatch.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture) : double.NaN,
            result.CpuSeconds);
    }

    [GeneratedRegex(@"records sent, (?<rate>[\d.,]+) records/sec .* (?<p99>[\d.]+) ms 99th")]
    private static partial Regex SummaryRegex();

    [GeneratedRegex(@"([\d.]+) bytes allocated per record")]
    private static partial Regex AllocatedRegex();

    // Progress lines have the same shape: the last one is the summary.
    [GeneratedRegex(@"^([\d,]+) records received", RegexOptions.Multiline)]
    private static partial Regex ConsumedRegex();
}
