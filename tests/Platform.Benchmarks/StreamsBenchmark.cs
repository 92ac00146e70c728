using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Client.Serialization;
using Platform.Streams;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Benchmarks;

/// <summary>
/// <c>streams</c>: issue 9's figures. One topic of N text lines of five words (4 partitions) in our broker (a
/// separate process, so this process's CPU is the application's alone), then per round: a plain consumer
/// decoding the topic, a stateless map+filter topology, word count under at_least_once and under
/// exactly_once_v2 (commit.interval.ms=100), and the map+filter and word count topologies in Streamiz on the
/// same broker and input. The same two jobs written by hand with our client (hand-mapfilter, hand-wordcount) show
/// what the client alone does on the machine: the ceiling the topologies' figures compare with. A topology run is
/// timed from Start until the group's committed offsets reach the end of the input and of every repartition topic,
/// the plain consumer until it read the last record; closing either is not timed. Every run has a fresh application.id.
/// </summary>
internal static class StreamsBenchmark
{
    private const string Input = "streams-lines";
    private const string WarmupInput = "streams-warmup-lines";
    private const int WordsPerLine = 5;
    private const string TieredPgo = "DOTNET_TieredPGO";
    private const string WordCountOutput = "streams-wordcount-out";

    public static async Task<int> RunAsync(Options options)
    {
        // A Streams application runs with the runtime's defaults (README, Streams: runtime settings), tiered PGO and ICU
        // globalization included, while this project turns PGO off as the platform host does (for the in-process Connect
        // worker) and the repository builds with invariant globalization. So the figures are a user's, the run restarts
        // itself with those two as an application has them; DOTNET_TieredPGO set by hand (0 or 1) runs it in this process
        // as set. The broker, started below, keeps its own build's settings either way.
        var pgo = Environment.GetEnvironmentVariable(TieredPgo);
        if (pgo is null)
        {
            return await RunWithRuntimeDefaultsAsync();
        }

        Environment.SetEnvironmentVariable(TieredPgo, null);
        var lines = options.Long("lines", 2_000_000);
        var partitions = options.Int("partitions", 4);
        var rounds = options.Int("rounds", 1);
        var vocabulary = options.Int("vocabulary", 10_000);
        var commitMs = options.Int("commit-ms", 100);
        var warmupLines = options.Long("warmup-lines", 200_000);
        var storeType = options.String("store", "memory") switch
        {
            "memory" => DslStoreType.InMemory,
            "rocksdb" => DslStoreType.Persistent,
            var other => throw new ArgumentException($"--store must be memory or rocksdb, not '{other}'."),
        };
        // Runs go in this order within a round. The machine's speed drifts by a fifth over tens of seconds here, so the
        // runs a goal compares are next to each other: plain right before map+filter and word count, EOS right after ALOS.
        var only = options.String("only", "plain,mapfilter,wordcount,wordcount-eos,hand-mapfilter,hand-wordcount,streamiz-mapfilter,streamiz-wordcount").Split(',');
        var extraConfig = options.String("config", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2) is [var key, var value] ? (key, value) : throw new ArgumentException($"--config takes key=value pairs, not '{pair}'."))
            .ToList();
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-streams"));
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        Console.WriteLine($"streams: {lines:N0} lines of {WordsPerLine} words ({vocabulary:N0} distinct), {partitions} partitions, {rounds} rounds, store {storeType}, at_least_once commit.interval.ms={commitMs}, {Report.Load()}");
        Console.WriteLine($"  runtime: TieredPGO={pgo}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, concurrent {AppContext.GetData("System.GC.Concurrent") ?? "True"}, GCgen0size {Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "default"}");
        await using var broker = await BrokerProcess.StartAsync(executable, Path.Combine(root, "data"), $$"""{ "Broker": { "num.partitions": {{partitions}}, "group.initial.rebalance.delay.ms": 0 } }""");
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        // Output topics exist before the runs (Streamiz does not create them; ours would through auto-creation).
        string[] topics = [Input, WarmupInput, "streams-mapfilter-out", "streams-hand-wordcount-out", WordCountOutput, "streamiz-mapfilter-out", "streamiz-wordcount-out"];
        await admin.CreateTopicsAsync(topics.Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = 1 }));
        var counts = ProduceLines(broker.Bootstrap, Input, lines, partitions, vocabulary);
        var context = new StreamsRunContext(broker.Bootstrap, admin, Input, await InputEndsAsync(admin, Input, partitions, lines), Path.Combine(root, "state"), commitMs, storeType, extraConfig) { WordCounts = counts };
        var results = new Dictionary<string, List<Run>>();
        foreach (var name in only)
        {
            results[name] = [];
        }

        if (warmupLines > 0)
        {
            // Every run once, untimed, over a smaller topic of the same kind of lines: the plain consumer and each
            // topology start the timed rounds with their code compiled alike, instead of round 1 measuring the JIT.
            var warmupCounts = ProduceLines(broker.Bootstrap, WarmupInput, warmupLines, partitions, vocabulary);
            var warmup = new StreamsRunContext(broker.Bootstrap, admin, WarmupInput, await InputEndsAsync(admin, WarmupInput, partitions, warmupLines), Path.Combine(root, "state"), commitMs, storeType, extraConfig) { WordCounts = warmupCounts };
            foreach (var name in only)
            {
                var run = await RunAsync(name, warmup, partitions, warmupLines, "warmup");
                Console.WriteLine($"  warm-up {name,-18} {Report.F(warmupLines / run.Seconds, 0),10} rec/s  ({Report.F(run.Seconds, 2)} s, not counted)");
            }
        }

        for (var round = 1; round <= rounds; round++)
        {
            foreach (var name in only)
            {
                var run = await RunAsync(name, context, partitions, lines, round.ToString(System.Globalization.CultureInfo.InvariantCulture));
                results[name].Add(run with { Rate = lines / run.Seconds, CpuPerMillion = run.CpuSeconds / (lines / 1e6) });
                Console.WriteLine($"  round {round} {name,-20} {Report.F(lines / run.Seconds, 0),10} rec/s  {Report.F(run.CpuSeconds / (lines / 1e6), 2),6} CPU s/M  {Report.F(run.AllocatedBytes / (double)lines, 0),6} B/line allocated  {run.Collections,4} GCs ({run.Gen1Collections} gen1, {run.Gen2Collections} gen2) {Report.F(run.GcPause.TotalMilliseconds, 0),5} ms paused  {Report.F(run.HeapBefore / 1048576.0, 0),5} MB heap before  ({Report.F(run.Seconds, 2)} s, running after {Report.F(run.Startup, 2)} s, {Report.Load()})");
            }
        }

        Report.Heading($"streams ({lines:N0} lines, records/s = input lines per second; CPU of this process per million lines)");
        foreach (var (name, runs) in results)
        {
            Report.Row(name + " rec/s", [.. runs.Select(r => r.Rate)], "rec/s", 0);
            Report.Row(name + " CPU s/M", [.. runs.Select(r => r.CpuPerMillion)], "s", 2);
        }

        Ratio(results, "mapfilter", "plain", "map+filter / plain", 0.70, atLeast: true);
        Ratio(results, "wordcount", "plain", "word count / plain", 0.35, atLeast: true);
        Ratio(results, "wordcount-eos", "wordcount", "word count EOS / ALOS", 0.90, atLeast: true);
        Ratio(results, "hand-mapfilter", "plain", "by hand: map+filter / plain", null);
        Ratio(results, "hand-wordcount", "plain", "by hand: word count / plain", null);
        Ratio(results, "mapfilter", "hand-mapfilter", "map+filter / by hand", null);
        Ratio(results, "wordcount", "hand-wordcount", "word count / by hand", null);
        Ratio(results, "mapfilter", "streamiz-mapfilter", "map+filter ours / Streamiz", 5, atLeast: true);
        Ratio(results, "wordcount", "streamiz-wordcount", "word count ours / Streamiz", 5, atLeast: true);
        return 0;
    }

    /// <summary>One run of <paramref name="name"/> over <paramref name="context"/>'s input of <paramref name="lines"/> lines.</summary>
    private static async Task<Run> RunAsync(string name, StreamsRunContext context, int partitions, long lines, string label) => name switch
    {
        "plain" => await MeasureAsync(done => Task.Run(() => { PlainConsume(context.Bootstrap, context.Input, partitions, lines, done); return 0.0; })),
        "mapfilter" => await MeasureAsync(done => RunOursAsync(context, MapFilter(context.Input), "at_least_once", $"mapfilter-{label}", done)),
        "wordcount" => await VerifiedWordCountAsync(context, partitions, "at_least_once", $"wordcount-{label}"),
        "wordcount-eos" => await VerifiedWordCountAsync(context, partitions, "exactly_once_v2", $"wordcount-eos-{label}"),
        "hand-mapfilter" => await MeasureAsync(_ => Task.Run(() => { HandMapFilter(context.Bootstrap, context.Input, partitions, lines); return 0.0; })),
        "hand-wordcount" => await MeasureAsync(_ => Task.Run(() => { HandWordCount(context.Bootstrap, context.Input, partitions, lines, context.CommitMs); return 0.0; })),
        "streamiz-mapfilter" => await MeasureAsync(async done => { await StreamizTopologies.RunAsync(context, wordCount: false, $"streamiz-mapfilter-{label}", done); return 0.0; }),
        "streamiz-wordcount" => await MeasureAsync(async done => { await StreamizTopologies.RunAsync(context, wordCount: true, $"streamiz-wordcount-{label}", done); return 0.0; }),
        _ => throw new ArgumentException($"--only: unknown run '{name}'."),
    };

    /// <summary>
    /// A measured word count run, then (not measured) its output checked: the last count of every word written
    /// during the run must be the word's true count in the input.
    /// </summary>
    private static async Task<Run> VerifiedWordCountAsync(StreamsRunContext context, int partitions, string guarantee, string name)
    {
        var output = Enumerable.Range(0, partitions).Select(p => new TopicPartition(WordCountOutput, p)).ToList();
        var start = await EndOffsetsAsync(context.Admin, output);
        var run = await MeasureAsync(done => RunOursAsync(context, WordCount(context.Input, context.StoreType, context.ExtraConfig), guarantee, name, done));
        var end = await EndOffsetsAsync(context.Admin, output);
        var last = LastValues(context.Bootstrap, start, end, guarantee == "exactly_once_v2");
        var wrong = context.WordCounts.Where(c => last.GetValueOrDefault(c.Key) != c.Value).ToList();
        if (wrong.Count > 0 || last.Count != context.WordCounts.Count)
        {
            var (word, count) = wrong.FirstOrDefault();
            throw new InvalidOperationException(
                $"{name}: {wrong.Count} of {context.WordCounts.Count} words ended with a wrong count ({last.Count} words in the output; e.g. '{word}': {last.GetValueOrDefault(word ?? "")} instead of {count}).");
        }

        return run;
    }

    /// <summary>The last value per key written to the partitions between <paramref name="start"/> and <paramref name="end"/>.</summary>
    private static Dictionary<string, long> LastValues(string bootstrap, Dictionary<TopicPartition, long> start, Dictionary<TopicPartition, long> end, bool readCommitted)
    {
        using var consumer = new ConsumerBuilder<string?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-verify-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            IsolationLevel = readCommitted ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
        }).Build();
        var pending = start.Where(s => end[s.Key] > s.Value).ToDictionary(s => s.Key, s => end[s.Key]);
        consumer.Assign(pending.Keys.Select(p => new TopicPartitionOffset(p, start[p])));
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        var deadline = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"Reading the word counts back did not reach the end of {string.Join(", ", pending.Keys)}.");
            }

            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message } result)
            {
                last[message.Key!] = Serdes.Int64.Deserialize(message.Value, message.Value is null, default);
                if (result.Offset.Value + 1 >= pending.GetValueOrDefault(result.TopicPartition, long.MaxValue))
                {
                    pending.Remove(result.TopicPartition);
                }
            }
            else
            {
                // Under read_committed the last offsets are commit markers, which no record reaches.
                foreach (var partition in pending.Keys.ToList())
                {
                    if (consumer.Position(partition).Value >= pending[partition])
                    {
                        pending.Remove(partition);
                    }
                }
            }
        }

        return last;
    }

    private static async Task<Dictionary<TopicPartition, long>> InputEndsAsync(IAdminClient admin, string topic, int partitions, long lines)
    {
        var ends = await EndOffsetsAsync(admin, Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)));
        if (ends.Values.Sum() != lines)
        {
            throw new InvalidOperationException($"Topic {topic} holds {ends.Values.Sum()} records, not {lines}.");
        }

        return ends;
    }

    /// <summary>
    /// This command again in a child process with an application's runtime settings where they differ from this project's,
    /// sharing the console: tiered PGO on, the default call count before tier 1, and ICU globalization (`dotnet exec` with a
    /// runtimeconfig of its own: the runtime reads the globalization mode from there before the environment).
    /// </summary>
    private static async Task<int> RunWithRuntimeDefaultsAsync()
    {
        var assembly = typeof(StreamsBenchmark).Assembly.Location;
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(assembly, ".runtimeconfig.json")))!;
        var properties = config["runtimeOptions"]!["configProperties"]!.AsObject();

        // The repository builds with invariant globalization, which an application does not have by default; under it
        // .NET's ToUpperInvariant (the map+filter topology's function) took 112 ns per 40-character line instead of 29.
        properties.Remove("System.Globalization.Invariant");
        properties.Remove("System.Globalization.PredefinedCulturesOnly");

        // Tiered PGO on, and the default call count before tier 1 (30) over this project's 1, set for the in-process Connect
        // worker: with tiered PGO, one call leaves the instrumented tier no profile to use.
        properties.Remove("System.Runtime.TieredPGO");
        properties.Remove("System.Runtime.TieredCompilation.CallCountThreshold");
        var childConfig = Path.Combine(Path.GetTempPath(), $"platform-bench-streams-{Environment.ProcessId}.runtimeconfig.json");
        await File.WriteAllTextAsync(childConfig, config.ToJsonString());
        try
        {
            var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
                ? Environment.ProcessPath!
                : Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
            var info = new ProcessStartInfo(host) { UseShellExecute = false };
            foreach (var argument in (string[])["exec", "--runtimeconfig", childConfig, assembly, .. Environment.GetCommandLineArgs().Skip(1)])
            {
                info.ArgumentList.Add(argument);
            }

            // The runtime's default, set so the child runs the benchmark itself.
            info.Environment[TieredPgo] = "1";
            using var child = Process.Start(info)!;
            await child.WaitForExitAsync();
            return child.ExitCode;
        }
        finally
        {
            File.Delete(childConfig);
        }
    }

    /// <summary>Lines → upper case, keep those whose first word is longer than three letters, to a topic.</summary>
    private static Topology MapFilter(string input)
    {
        var builder = new StreamsBuilder();
        builder.Stream(input, Consumed.With(Serdes.String, Serdes.String))
            .MapValues(line => line.ToUpperInvariant())
            .Filter((_, line) => line.IndexOf(' ', StringComparison.Ordinal) > 3)
            .To("streams-mapfilter-out", Produced.With(Serdes.String, Serdes.String));
        return builder.Build();
    }

    // Built with the --config settings, so topology.optimization (which the DSL applies at build time) takes effect.
    private static Topology WordCount(string input, DslStoreType storeType, IEnumerable<KeyValuePair<string, string>> extraConfig)
    {
        var builder = new StreamsBuilder();
        builder.Stream(input, Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues(line => line.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("counts").WithStoreType(storeType).WithKeySerde(Serdes.String).WithValueSerde(Serdes.Int64))
            .ToStream()
            .To(WordCountOutput, Produced.With(Serdes.String, Serdes.Int64));
        return builder.Build(new StreamsConfig(extraConfig.ToDictionary()));
    }

    private static async Task<double> RunOursAsync(StreamsRunContext context, Topology topology, string guarantee, string name, Action done)
    {
        var applicationId = $"bench-{name}-{Guid.NewGuid():N}";
        var config = new StreamsConfig(new Dictionary<string, string>
        {
            ["application.id"] = applicationId,
            ["bootstrap.servers"] = context.Bootstrap,
            ["state.dir"] = context.StateDir,
            ["processing.guarantee"] = guarantee,
            ["commit.interval.ms"] = (guarantee == "exactly_once_v2" ? 100 : context.CommitMs).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.Concat(context.ExtraConfig).ToDictionary());
        using var streams = new KafkaStreams(topology, config);
        var clock = Stopwatch.StartNew();
        var running = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        streams.StateChanged += (next, _) =>
        {
            if (next == KafkaStreamsState.Running)
            {
                running.TrySetResult(clock.Elapsed.TotalSeconds);
            }
        };
        await streams.StartAsync();
        await context.WaitUntilProcessedAsync(applicationId, exactlyOnce: guarantee == "exactly_once_v2", () => streams.State is KafkaStreamsState.Error or KafkaStreamsState.NotRunning ? streams.FatalException?.Message ?? streams.State.ToString() : null);
        done();
        streams.Close();
        return running.Task.IsCompleted ? running.Task.Result : 0;
    }

    /// <summary>Our consumer reading every partition from the start, key and value decoded as strings; <paramref name="done"/> once the last is read.</summary>
    private static long PlainConsume(string bootstrap, string topic, int partitions, long records, Action done)
    {
        long characters = 0;
        ReadFromStart(bootstrap, topic, partitions, records, "The plain consumer", result => characters += result.Message!.Value?.Length ?? 0, done);
        return characters;
    }

    /// <summary>
    /// Our consumer reading <paramref name="records"/> records from the start of every partition of <paramref name="topic"/>,
    /// key and value decoded as strings, each handed to <paramref name="each"/>; <paramref name="reader"/> fails when five
    /// minutes pass without the last.
    /// </summary>
    private static void ReadFromStart(string bootstrap, string topic, int partitions, long records, string reader, Action<ConsumeResult<string?, string?>> each, Action? done = null)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-read-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        long count = 0;
        var deadline = Stopwatch.StartNew();
        while (count < records)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: not null } result)
            {
                count++;
                each(result);
            }
            else if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"{reader} read {count} of {records} records.");
            }
        }

        done?.Invoke();
    }

    /// <summary>
    /// The map+filter topology's work written by hand with our client: each line upper-cased and, when its first word is
    /// longer than three letters, produced to the same partition of the output topic. No runtime: no tasks, no commits.
    /// What the client alone does on this machine, against which the topology's overhead shows.
    /// </summary>
    private static void HandMapFilter(string bootstrap, string topic, int partitions, long records)
    {
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        ReadFromStart(bootstrap, topic, partitions, records, "The hand-written map+filter", result =>
        {
            var upper = result.Message!.Value!.ToUpperInvariant();
            if (upper.IndexOf(' ', StringComparison.Ordinal) > 3)
            {
                producer.Produce(new TopicPartition("streams-mapfilter-out", result.Partition), new Message<string?, string?> { Key = result.Message.Key, Value = upper });
            }
        });
        producer.Flush(TimeSpan.FromMinutes(1));
    }

    /// <summary>A word's count in <see cref="HandWordCount"/>, and whether it changed since the last write.</summary>
    private struct HandCount
    {
        public long Count;
        public bool Dirty;
    }

    /// <summary>
    /// The word count's work written by hand with our client, as one process that owns every partition would write it:
    /// lines split on spaces, counts in one dictionary, the changed counts written to an output topic every
    /// <paramref name="commitMs"/> (as the topology's cache flushes them). No repartition topic (nothing else counts),
    /// no state store, no changelog, no offsets committed: a ceiling for what the topology, which must do those to run
    /// on several instances and survive a restart, can reach.
    /// </summary>
    private static void HandWordCount(string bootstrap, string topic, int partitions, long records, int commitMs)
    {
        using var producer = new ProducerBuilder<string, long>(new ProducerConfig { BootstrapServers = bootstrap }).SetValueSerializer(Serdes.Int64).Build();
        var counts = new Dictionary<string, HandCount>(StringComparer.Ordinal);
        var dirty = new List<string>();
        var flushed = Stopwatch.GetTimestamp();
        void Flush()
        {
            foreach (var word in dirty)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(counts, word);
                entry.Dirty = false;
                producer.Produce("streams-hand-wordcount-out", new Message<string, long> { Key = word, Value = entry.Count });
            }

            dirty.Clear();
            flushed = Stopwatch.GetTimestamp();
        }

        ReadFromStart(bootstrap, topic, partitions, records, "The hand-written word count", result =>
        {
            foreach (var word in result.Message!.Value!.Split(' '))
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, word, out _);
                entry.Count++;
                if (!entry.Dirty)
                {
                    entry.Dirty = true;
                    dirty.Add(word);
                }
            }

            if (Stopwatch.GetElapsedTime(flushed).TotalMilliseconds >= commitMs)
            {
                Flush();
            }
        });
        Flush();
        producer.Flush(TimeSpan.FromMinutes(1));
    }

    /// <summary>Writes the lines and returns how often each word occurs in them (what word count must end with).</summary>
    private static Dictionary<string, long> ProduceLines(string bootstrap, string topic, long lines, int partitions, int vocabulary)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var random = new Random(9);
        var words = new string[vocabulary];
        for (var i = 0; i < words.Length; i++)
        {
            var chars = new char[random.Next(3, 9)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = (char)('a' + random.Next(26));
            }

            words[i] = new string(chars);
        }

        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, BatchSize = 65536 }).Build();
        var clock = Stopwatch.StartNew();
        var line = new StringBuilder();
        for (long i = 0; i < lines; i++)
        {
            line.Clear();
            for (var w = 0; w < WordsPerLine; w++)
            {
                var word = words[random.Next(words.Length)];
                line.Append(w == 0 ? "" : " ").Append(word);
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }

            producer.Produce(new TopicPartition(topic, (int)(i % partitions)), new Message<Null, string> { Value = line.ToString() });
        }

        producer.Flush(TimeSpan.FromMinutes(5));
        Console.WriteLine($"  produced {lines:N0} lines to {topic} in {Report.F(clock.Elapsed.TotalSeconds, 1)} s");
        return counts;
    }

    private static async Task<Dictionary<TopicPartition, long>> EndOffsetsAsync(IAdminClient admin, IEnumerable<TopicPartition> partitions)
    {
        var result = await admin.ListOffsetsAsync(partitions.Select(p => new TopicPartitionOffsetSpec(p, OffsetSpec.Latest())));
        return result.ResultInfos.ToDictionary(r => r.TopicPartition, r => r.Offset);
    }

    /// <summary>
    /// Wall clock and this process's CPU time (all threads, native ones included) from the start of
    /// <paramref name="action"/> until it calls the callback it is given (its work is done; closing what it used is not
    /// measured), or until it returns when it never calls it.
    /// </summary>
    private static async Task<Run> MeasureAsync(Func<Action, Task<double>> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var collections = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var paused = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        Run? run = null;
        void Done()
        {
            if (run is null)
            {
                var seconds = clock.Elapsed.TotalSeconds;
                process.Refresh();
                run = new Run(seconds, (process.TotalProcessorTime - cpu).TotalSeconds, 0, 0)
                {
                    AllocatedBytes = GC.GetTotalAllocatedBytes() - allocated,
                    Collections = GC.CollectionCount(0) - collections,
                    GcPause = GC.GetTotalPauseDuration() - paused,
                    HeapBefore = heap,
                    Gen1Collections = GC.CollectionCount(1) - gen1,
                    Gen2Collections = GC.CollectionCount(2) - gen2,
                };
            }
        }

        var startup = await action(Done);
        Done();
        return run! with { Startup = startup };
    }

    /// <summary>The median of the per-round ratios of two runs, against <paramref name="goal"/> (null: a reference, no goal).</summary>
    private static void Ratio(Dictionary<string, List<Run>> results, string numerator, string denominator, string label, double? goal, bool atLeast = true)
    {
        if (!results.TryGetValue(numerator, out var top) || !results.TryGetValue(denominator, out var bottom))
        {
            return;
        }

        var ratio = Report.Median(top.Zip(bottom, (t, b) => t.Rate / b.Rate));
        if (goal is not { } target)
        {
            Console.WriteLine($"  {label,-28} {Report.Percent(ratio),8} (median of per-round ratios; a reference, no goal)");
            return;
        }

        var met = atLeast ? ratio >= target : ratio <= target;
        var goalText = target >= 2 ? $"{Report.F(target, 0)}x" : Report.Percent(target);
        Console.WriteLine($"  {label,-28} {(target >= 2 ? Report.F(ratio, 2) + "x" : Report.Percent(ratio)),8} (median of per-round ratios; goal >= {goalText}: {Report.Goal(met)})");
    }

    private sealed record Run(double Seconds, double CpuSeconds, double Rate, double CpuPerMillion)
    {
        /// <summary>Managed bytes allocated during the run (all threads; Streamiz's librdkafka buffers are native and not counted).</summary>
        public long AllocatedBytes { get; init; }

        /// <summary>Seconds from the start until the application was Running (its group joined, tasks created); 0 for the plain consumer.</summary>
        public double Startup { get; init; }

        /// <summary>Garbage collections (any generation) during the run.</summary>
        public int Collections { get; init; }

        /// <summary>Time the garbage collector held the process's threads during the run.</summary>
        public TimeSpan GcPause { get; init; }

        /// <summary>Collections of generation 1 and up during the run (counted in <see cref="Collections"/> too).</summary>
        public int Gen1Collections { get; init; }

        /// <summary>Full (generation 2) collections during the run.</summary>
        public int Gen2Collections { get; init; }

        /// <summary>Managed heap in use at the start, after a full collection: what earlier runs left behind.</summary>
        public long HeapBefore { get; init; }
    }
}
