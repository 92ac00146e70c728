using System.Diagnostics;

namespace Platform.Benchmarks;

/// <summary>
/// <c>logcost</c> (issue 13 §2): the broker's cost as its log grows. kcat rounds of N records (acks=1,
/// linger.ms=5) into one broker process, each into a fresh topic (or all into <c>--topic</c>, so the
/// partitions stay few and their segments grow and roll), until the data directory holds
/// <c>--gib</c>; per round the broker's user and system CPU per million records, the rate and the log
/// size. A broker whose kernel time grows with the log (page-cache reclaim paid by the writer) shows it here.
/// </summary>
internal static class LogCostBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var records = options.Long("records", 2_000_000);
        var size = options.Int("size", 100);
        var partitions = options.Int("partitions", 4);
        var gib = options.Long("gib", 10);
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-logcost"));
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        var topic = options.String("topic", "");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        var free = new DriveInfo(root).AvailableFreeSpace;
        var target = Math.Min(gib << 30, free - (4L << 30));
        if (target < gib << 30)
        {
            Console.WriteLine($"  only {Report.F(free / (double)(1 << 30))} GiB free: growing the log to {Report.F(target / (double)(1 << 30))} GiB instead of {gib}");
        }

        Console.WriteLine($"logcost: rounds of {records:N0} x {size} B into {partitions} partitions up to {Report.F(target / (double)(1 << 30))} GiB, in {root} ({Report.FreeDisk(root)}, {Report.Load()})");
        var file = Path.Combine(root, "records.txt");
        await IngestBenchmark.WriteRecordsAsync(file, records, size);
        var dataDir = Path.Combine(root, "data");
        await using var broker = await BrokerProcess.StartAsync(executable, dataDir, BrokerProcess.Config(options, partitions));
        await IngestBenchmark.KcatProduceAsync(["-b", broker.Bootstrap, "-t", "warmup"], file);

        List<double> total = [], system = [], logGib = [];
        for (var round = 1; LogBytes(dataDir) < target; round++)
        {
            var (user0, system0) = Shell.UserAndSystemSeconds(broker.Pid);
            var watch = Stopwatch.StartNew();
            await IngestBenchmark.KcatProduceAsync(["-b", broker.Bootstrap, "-t", topic.Length > 0 ? topic : $"round-{round}"], file);
            var elapsed = watch.Elapsed.TotalSeconds;
            var (user1, system1) = Shell.UserAndSystemSeconds(broker.Pid);
            var millions = records / 1e6;
            total.Add((user1 - user0 + system1 - system0) / millions);
            system.Add((system1 - system0) / millions);
            logGib.Add(LogBytes(dataDir) / (double)(1 << 30));
            Console.WriteLine($"  round {round,3}: log {Report.F(logGib[^1], 2)} GiB, {Report.F(records / elapsed, 0)} rec/s, broker CPU {Report.F(total[^1], 3)} s/M (sys {Report.F(system[^1], 3)}), RSS {Report.F(broker.Memory.Rss)} MiB, {Report.Load()}");
        }

        // The first rounds against the last ones (fifths of the run), so one noisy round does not decide.
        var fifth = Math.Max(1, total.Count / 5);
        var early = Report.Median(total.Take(fifth));
        var late = Report.Median(total.TakeLast(fifth));
        Report.Heading($"log growth cost ({records:N0} records per round, {total.Count} rounds, log 0 to {Report.F(logGib[^1], 1)} GiB)");
        Report.Row("broker CPU s / M records", total, "s", 3);
        Report.Row("of which system", system, "s", 3);
        Console.WriteLine($"  first fifth {Report.F(early, 3)} s/M, last fifth {Report.F(late, 3)} s/M: {Report.Percent(late / early)} (goal within 75%-125%: {Report.Goal(late / early is >= 0.75 and <= 1.25)})");
        await broker.StopAsync();
        Directory.Delete(root, recursive: true);
        return 0;
    }

    private static long LogBytes(string directory)
        => Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
}
