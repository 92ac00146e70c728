namespace Platform.Benchmarks;

/// <summary>
/// <c>ingest</c>: kcat producing N lines to our broker (a separate process) against kcat producing them to
/// librdkafka's in-memory mock broker, alternating rounds; our broker's CPU and RSS come from /proc.
/// </summary>
internal static class IngestBenchmark
{
    internal const string Kcat = "/usr/bin/kcat";

    public static async Task<int> RunAsync(Options options)
    {
        var records = options.Long("records", 5_000_000);
        var size = options.Int("size", 100);
        var partitions = options.Int("partitions", 4);
        var rounds = options.Int("rounds", 3);
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-ingest"));
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        ResetDirectory(root);
        Console.WriteLine($"ingest: {records:N0} records of {size} bytes, {partitions} partitions, {rounds} rounds, in {root} ({Report.FreeDisk(root)}, {Report.Load()})");

        var file = Path.Combine(root, "records.txt");
        await WriteRecordsAsync(file, records, size);
        var dataDir = Path.Combine(root, "data");
        await using var broker = await BrokerProcess.StartAsync(executable, dataDir, BrokerProcess.Config(options, partitions));
        Console.WriteLine($"broker pid {broker.Pid} on {broker.Bootstrap}, RSS after start {Report.F(broker.Memory.Rss)} MiB");

        // A short untimed warm-up, so the rounds measure a jitted broker.
        var warmup = Path.Combine(root, "warmup.txt");
        await WriteRecordsAsync(warmup, Math.Min(records, 200_000), size);
        await KcatProduceAsync(["-b", broker.Bootstrap, "-t", "warmup"], warmup);

        List<double> ours = [], mock = [], cpuPerMillion = [], rss = [];
        for (var round = 1; round <= rounds; round++)
        {
            var topic = $"bench-{round}";
            var cpuBefore = broker.CpuSeconds;
            var oursTime = (await KcatProduceAsync(["-b", broker.Bootstrap, "-t", topic], file)).Elapsed;
            var cpu = broker.CpuSeconds - cpuBefore;
            await VerifyAsync(broker, topic, partitions, records, countWithConsumer: round == 1);
            var mockTime = (await KcatProduceAsync(["-b", "dummy:1", "-X", "test.mock.num.brokers=1", "-t", topic], file)).Elapsed;

            ours.Add(records / oursTime.TotalSeconds);
            mock.Add(records / mockTime.TotalSeconds);
            cpuPerMillion.Add(cpu / (records / 1e6));
            rss.Add(broker.Memory.Rss);
            Console.WriteLine($"  round {round}: ours {Report.F(ours[^1], 0)} rec/s ({Report.F(oursTime.TotalSeconds, 2)} s, broker CPU {Report.F(cpu, 2)} s), mock {Report.F(mock[^1], 0)} rec/s ({Report.F(mockTime.TotalSeconds, 2)} s), RSS {Report.F(rss[^1])} MiB, {Report.Load()}");
        }

        var memory = broker.Memory;
        Report.Heading($"ingest (kcat -P, acks=1, linger.ms=5, {records:N0} x {size} B, {partitions} partitions)");
        Report.Row("ours (records/s)", ours, "rec/s", 0);
        Report.Row("mock broker (records/s)", mock, "rec/s", 0);
        Report.Row("broker CPU s / M records", cpuPerMillion, "s", 3);
        Report.Row("broker RSS after round", rss, "MiB");
        Console.WriteLine($"  broker peak RSS (VmHWM) {Report.F(memory.Peak)} MiB");
        var ratio = Report.Median(ours.Zip(mock, (o, m) => o / m));
        Console.WriteLine($"  ours/mock  ratio of the medians {Report.Percent(Report.Median(ours) / Report.Median(mock))}, per round {string.Join(", ", ours.Zip(mock, (o, m) => Report.Percent(o / m)))}");
        var cpuMedian = Report.Median(cpuPerMillion);
        Console.WriteLine($"  ours/mock  median of the rounds' ratios {Report.Percent(ratio)} (goal >= 100%: {Report.Goal(ratio >= 1.0)})");
        Console.WriteLine($"  CPU        median {Report.F(cpuMedian, 3)} s per million records (goal <= 0.5: {Report.Goal(cpuMedian <= 0.5)})");
        await broker.StopAsync();
        Directory.Delete(root, recursive: true);
        return 0;
    }

    /// <summary>Runs <c>kcat -P</c> (acks=1, linger.ms=5) over <paramref name="file"/>; its wall time includes the final flush.</summary>
    internal static async Task<Shell.Result> KcatProduceAsync(string[] target, string file)
    {
        string[] args = ["-P", .. target, "-X", "acks=1", "-X", "linger.ms=5", "-l", file];
        var result = await Shell.RunAsync(Kcat, args);
        if (result.ExitCode != 0 || result.Stderr.Contains("ERROR", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"kcat {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
        }

        return result;
    }

    /// <summary>
    /// Checks with ListOffsets (and optionally by consuming with kcat) that exactly <paramref name="expected"/> records
    /// landed, on every partition. ListOffsets answers the high watermark, which with write.caching=false follows
    /// the fsyncs, so it is asked again for a few seconds while it is short.
    /// </summary>
    internal static async Task VerifyAsync(BrokerProcess broker, string topic, int partitions, long expected, bool countWithConsumer)
    {
        await using var client = await WireClient.ConnectAsync(broker.Port);
        var ends = await client.ListOffsetsAsync(topic, partitions);
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); ends.Sum() < expected && wait.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(20);
            ends = await client.ListOffsetsAsync(topic, partitions);
        }

        var landed = ends.Sum();
        var consumed = countWithConsumer
            ? (await Shell.CountLinesAsync(Kcat, ["-C", "-b", broker.Bootstrap, "-t", topic, "-o", "beginning", "-e", "-q"])).Lines
            : -1;
        Console.WriteLine($"  verify {topic}: log end offsets [{string.Join(", ", ends)}] sum {landed:N0}{(consumed >= 0 ? $", kcat -C counted {consumed:N0}" : "")}");
        if (landed != expected || ends.Any(e => e == 0) || (consumed >= 0 && consumed != expected))
        {
            throw new InvalidOperationException($"Expected {expected:N0} records over {partitions} partitions in {topic}.");
        }
    }

    /// <summary>N lines of exactly <paramref name="size"/> bytes (plus newline): a sequence number padded with letters.</summary>
    internal static async Task WriteRecordsAsync(string file, long records, int size)
    {
        await using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var line = new byte[size + 1];
        for (var i = 0; i < size; i++)
        {
            line[i] = (byte)('a' + (i % 26));
        }

        line[size] = (byte)'\n';
        for (long n = 0; n < records; n++)
        {
            var digits = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < digits.Length && i < size; i++)
            {
                line[i] = (byte)digits[i];
            }

            stream.Write(line);
        }
    }

    internal static void ResetDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
    }
}
