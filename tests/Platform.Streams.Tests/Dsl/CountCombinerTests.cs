using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Dsl;

/// <summary>
/// The optimization <c>combine.before.repartition</c>: a count after a key change sends partial counts per key
/// through its repartition topic, with the same results as the uncombined topology.
/// </summary>
public sealed class CountCombinerTests
{
    private const string Repartition = "combine-words-repartition";
    private const string Marker = "__streams.partial.count";

    private static StreamsConfig Config(string optimization, bool caching = true) => new()
    {
        ApplicationId = "combine",
        StateStoreCacheMaxBytes = caching ? 10 * 1024 * 1024 : 0,
        DefaultDslStore = "in_memory",
        [StreamsConfig.TopologyOptimizationConfig] = optimization,
    };

    // Lines of "word@timestamp" tokens: each word goes on with its own timestamp, so one line is several records.
    private static Topology WordCount(StreamsConfig config)
    {
        var builder = new StreamsBuilder();
        builder.Stream("lines", Consumed.With(Serdes.String, Serdes.String))
            .Process(() => new SplitTimestampedWords())
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>("counts"))
            .ToStream()
            .To("counts-out", Produced.With(Serdes.String, Serdes.Int64));
        return builder.Build(config);
    }

    [Fact]
    public void Count_Combining_SendsOnePartialCountPerWordWithItsLargestTimestamp()
    {
        using var driver = new TopologyTestDriver(WordCount(Config(StreamsConfig.CombineBeforeRepartition)), Config(StreamsConfig.CombineBeforeRepartition));
        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", "a@5 b@9 a@7 a@3", 10);

        var repartitioned = driver.CreateOutputTopic(Repartition, Serdes.String, Serdes.Int64).ReadRecordsToList();
        Assert.Equal([("a", 3L, 7L), ("b", 1L, 9L)], repartitioned.Select(r => (r.Key, r.Value, r.Timestamp)).OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.All(repartitioned, r => Assert.True(r.Headers!.TryGetLastBytes(Marker, out _)));

        var counts = driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64).ReadRecordsToList();
        Assert.Equal([("a", 3L, 7L), ("b", 1L, 9L)], counts.Select(r => (r.Key, r.Value, r.Timestamp)).OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.All(counts, r => Assert.False(r.Headers is not null && r.Headers.TryGetLastBytes(Marker, out _)));
    }

    [Fact]
    public void Count_OptimizationNone_SendsEveryRecordAsItIs()
    {
        using var driver = new TopologyTestDriver(WordCount(Config("none")), Config("none"));
        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", "a@5 b@9 a@7 a@3", 10);

        Assert.Equal(["a", "b", "a", "a"], driver.CreateOutputTopic(Repartition, Serdes.String, Serdes.String).ReadKeyValuesToList().Select(kv => kv.Key));
        Assert.Equal(3L, driver.GetKeyValueStore<string, long>("counts").Get("a"));
        Assert.DoesNotContain(WordCount(Config("none")).Describe().Subtopologies.SelectMany(s => s.Nodes), n => n.Name.EndsWith("-combiner", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StreamsConfig.CombineBeforeRepartition)]
    [InlineData("none")]
    public void Count_KeySelectorGivesNull_RecordDroppedBeforeTheRepartitionTopic(string optimization)
    {
        // The combiner takes the null-key filter's place, so it drops those records itself.
        var config = Config(optimization);
        var builder = new StreamsBuilder();
        builder.Stream("lines", Consumed.With(Serdes.String, Serdes.String))
            .GroupBy((_, word) => word == "-" ? null! : word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>("counts"))
            .ToStream()
            .To("counts-out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(config), config);
        var lines = driver.CreateInputTopic("lines", Serdes.String, Serdes.String);
        foreach (var word in new[] { "a", "-", "a", "-" })
        {
            lines.PipeInput("k", word, 1);
        }

        Assert.All(driver.CreateOutputTopic(Repartition, Serdes.String, Serdes.String).ReadKeyValuesToList(), kv => Assert.Equal("a", kv.Key));
        Assert.Equal(2L, driver.GetKeyValueStore<string, long>("counts").Get("a"));
        Assert.Equal([new("a", 2L)], driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64).ReadKeyValuesToList().TakeLast(1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Count_CombiningOrNot_SameFinalCountsAndEachWordsCountsIncrease(bool caching)
    {
        var random = new Random(7);
        var words = new[] { "a", "b", "c", "d", "e", "f" };
        var lines = Enumerable.Range(0, 300)
            .Select(i => string.Join(' ', Enumerable.Range(0, random.Next(1, 9)).Select(_ => $"{words[random.Next(words.Length)]}@{random.Next(1000)}")))
            .ToList();
        var truth = lines.SelectMany(l => l.Split(' ')).GroupBy(t => t.Split('@')[0]).ToDictionary(g => g.Key, g => (long)g.Count());

        var (combinedCounts, combinedRecords) = Run(StreamsConfig.CombineBeforeRepartition, caching, lines);
        var (plainCounts, plainRecords) = Run("none", caching, lines);

        foreach (var counts in new[] { combinedCounts, plainCounts })
        {
            Assert.Equal(truth.OrderBy(kv => kv.Key), counts.GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value).OrderBy(kv => kv.Key));
            foreach (var word in counts.GroupBy(kv => kv.Key))
            {
                var values = word.Select(kv => kv.Value).ToList();
                Assert.True(values.Zip(values.Skip(1)).All(p => p.First < p.Second), $"counts of {word.Key} do not increase: {string.Join(",", values)}");
            }
        }

        // Each word's updates are the same (the record cache keeps one per word and commit either way); only the
        // order between words within one commit may differ.
        Assert.Equal(PerWord(plainCounts), PerWord(combinedCounts));
        Assert.Equal(truth.Values.Sum(), plainRecords);
        if (caching)
        {
            // Combined per line (the test driver commits after each input record): at most one record per word and line.
            Assert.Equal(lines.Sum(l => l.Split(' ').Select(t => t.Split('@')[0]).Distinct().Count()), combinedRecords);
            Assert.True(combinedRecords < plainRecords);
        }
        else
        {
            // Without the record cache nothing is held back: every record goes through, with a partial count of 1.
            Assert.Equal(plainRecords, combinedRecords);
        }
    }

    [Fact]
    public void Count_StoreWithCachingDisabled_IsNotCombinedFor()
    {
        var builder = new StreamsBuilder();
        builder.Stream("lines", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>("counts").WithCachingDisabled())
            .ToStream()
            .To("counts-out", Produced.With(Serdes.String, Serdes.Int64));
        var config = Config(StreamsConfig.CombineBeforeRepartition);
        using var driver = new TopologyTestDriver(builder.Build(config), config);
        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", "hello world hello", 100);

        Assert.Equal(
            [new("hello", 1L), new("world", 1L), new("hello", 2L)],
            driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64).ReadKeyValuesToList());
    }

    [Fact]
    public void Count_UncombinedRecordsInTheTopic_CountOneEachAlongsidePartialCounts()
    {
        // Records written before the optimization was turned on (no marker) are still in the repartition topic.
        var config = Config(StreamsConfig.CombineBeforeRepartition);
        using var driver = new TopologyTestDriver(WordCount(config), config);
        var old = driver.CreateInputTopic(Repartition, Serdes.String, Serdes.String);
        old.PipeInput("a", "a", 1);
        old.PipeInput("a", null!, 2);
        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", "a@5 a@6", 10);

        Assert.Equal(3L, driver.GetKeyValueStore<string, long>("counts").Get("a"));
    }

    [Fact]
    public void Count_MoreKeysThanTheCombinersBudget_TrueCountsFromPartialsSentInBetween()
    {
        // A budget of a few keys: the combiner sends and forgets its keys in the middle of lines, and keys it kept
        // from an earlier line start again from 0.
        var config = Config(StreamsConfig.CombineBeforeRepartition);
        config.StateStoreCacheMaxBytes = 300;
        using var driver = new TopologyTestDriver(WordCount(config), config);
        var input = driver.CreateInputTopic("lines", Serdes.String, Serdes.String);
        var random = new Random(3);
        var truth = new Dictionary<string, long>();
        for (var line = 0; line < 40; line++)
        {
            var words = Enumerable.Range(0, 12).Select(_ => $"w{random.Next(30)}").ToList();
            foreach (var word in words)
            {
                truth[word] = truth.GetValueOrDefault(word) + 1;
            }

            input.PipeInput("k", string.Join(' ', words.Select((w, i) => $"{w}@{line * 100 + i}")), 1000);
        }

        var partials = driver.CreateOutputTopic(Repartition, Serdes.String, Serdes.Int64).ReadKeyValuesToList();
        Assert.Equal(truth.OrderBy(kv => kv.Key), partials.GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)).OrderBy(kv => kv.Key));
        Assert.All(partials, kv => Assert.True(kv.Value > 0));
        foreach (var (word, count) in truth)
        {
            Assert.Equal(count, driver.GetKeyValueStore<string, long>("counts").Get(word));
        }
    }

    [Fact]
    public void Count_KeysEqualButSerializedApart_AreCountedApart()
    {
        // A key type whose Equals ignores case while its serde keeps it: the combiner must compare the bytes.
        var keySerde = Serdes.From<CaseInsensitive>(
            new StringSerializer<CaseInsensitive>(k => k.Text),
            new StringDeserializer<CaseInsensitive>(text => new CaseInsensitive(text)));
        var builder = new StreamsBuilder();
        builder.Stream("lines", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, word) => new CaseInsensitive(word), Grouped.With(keySerde, Serdes.String).WithName("words"))
            .Count(Materialized.As<CaseInsensitive, long>("counts").WithKeySerde(keySerde))
            .ToStream()
            .To("counts-out", Produced.With(keySerde, Serdes.Int64));
        var config = Config(StreamsConfig.CombineBeforeRepartition);
        using var driver = new TopologyTestDriver(builder.Build(config), config);
        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", "Word word WORD word", 10);

        var counts = driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64).ReadKeyValuesToList();
        Assert.Equal([new("WORD", 1L), new("Word", 1L), new("word", 2L)], counts.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Count_StringsWithTheSameUtf8Bytes_AreCountedAsOneKey()
    {
        // Lone surrogates (made inside the topology: the input's UTF-8 cannot carry them) differ as strings but are
        // both written as U+FFFD: the combiner may keep them apart, the count adds both partial counts to one key.
        var builder = new StreamsBuilder();
        builder.Stream("lines", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => [.. v!.Split(' ').Select(hex => ((char)Convert.ToInt32(hex, 16)).ToString())])
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>("counts"));
        var config = Config(StreamsConfig.CombineBeforeRepartition);
        using var driver = new TopologyTestDriver(builder.Build(config), config);
        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", "D800 DC00 D800", 10);

        Assert.Equal(3L, driver.GetKeyValueStore<string, long>("counts").Get("\uFFFD"));
    }

    [Fact]
    public void Count_Int64Keys_CombinedPerKey()
    {
        var builder = new StreamsBuilder();
        builder.Stream("numbers", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, n) => long.Parse(n, System.Globalization.CultureInfo.InvariantCulture), Grouped.With(Serdes.Int64, Serdes.String).WithName("words"))
            .Count(Materialized.As<long, long>("counts"))
            .ToStream()
            .To("counts-out", Produced.With(Serdes.Int64, Serdes.Int64));
        var config = Config(StreamsConfig.CombineBeforeRepartition);
        using var driver = new TopologyTestDriver(builder.Build(config), config);
        driver.CreateInputTopic("numbers", Serdes.String, Serdes.String).PipeInput("k", "7 -1 7 7 -1", 10);

        Assert.Equal([(-1L, 2L), (7L, 3L)], driver.CreateOutputTopic(Repartition, Serdes.Int64, Serdes.Int64).ReadKeyValuesToList().Select(kv => (kv.Key, kv.Value)).Order());
        Assert.Equal([new(-1L, 2L), new(7L, 3L)], driver.CreateOutputTopic("counts-out", Serdes.Int64, Serdes.Int64).ReadKeyValuesToList().OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Count_ThousandsOfKeysInOneCommit_OnePartialCountPerKey()
    {
        // Enough keys that the combiner's index grows several times while the line is processed, and integer keys
        // a multiple of its sizes apart: a key lost or found twice would show as two partial counts.
        var builder = new StreamsBuilder();
        builder.Stream("numbers", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, n) => long.Parse(n, System.Globalization.CultureInfo.InvariantCulture), Grouped.With(Serdes.Int64, Serdes.String).WithName("words"))
            .Count(Materialized.As<long, long>("counts"));
        var config = Config(StreamsConfig.CombineBeforeRepartition);
        var numbers = Enumerable.Range(0, 3000).Select(i => (long)i * 1024).ToList();
        var words = numbers.Select(n => $"w{n}").ToList();
        using (var driver = new TopologyTestDriver(builder.Build(config), config))
        {
            driver.CreateInputTopic("numbers", Serdes.String, Serdes.String).PipeInput("k", string.Join(' ', numbers.Concat(numbers.AsEnumerable().Reverse()).Concat(numbers)), 10);
            var partials = driver.CreateOutputTopic(Repartition, Serdes.Int64, Serdes.Int64).ReadKeyValuesToList();
            Assert.Equal(numbers.Select(n => (n, 3L)), partials.Select(kv => (kv.Key, kv.Value)).Order());
        }

        using var wordDriver = new TopologyTestDriver(WordCount(config), config);
        wordDriver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", string.Join(' ', words.Concat(words).Select((w, i) => $"{w}@{i}")), 10);
        var wordPartials = wordDriver.CreateOutputTopic(Repartition, Serdes.String, Serdes.Int64).ReadKeyValuesToList();
        Assert.Equal(words.Order(StringComparer.Ordinal).Select(w => (w, 2L)), wordPartials.Select(kv => (kv.Key, kv.Value)).OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    private static List<(string Word, string Counts)> PerWord(List<KeyValuePair<string, long>> counts)
        => [.. counts.GroupBy(kv => kv.Key).Select(g => (g.Key, string.Join(",", g.Select(kv => kv.Value)))).OrderBy(w => w.Key, StringComparer.Ordinal)];

    private static (List<KeyValuePair<string, long>> Counts, int RepartitionRecords) Run(string optimization, bool caching, List<string> lines)
    {
        var config = Config(optimization, caching);
        using var driver = new TopologyTestDriver(WordCount(config), config);
        var input = driver.CreateInputTopic("lines", Serdes.String, Serdes.String);
        foreach (var line in lines)
        {
            input.PipeInput("k", line, 1000);
        }

        return (driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64).ReadKeyValuesToList(), driver.CreateOutputTopic(Repartition, Serdes.ByteArray, Serdes.ByteArray).ReadRecordsToList().Count);
    }

    private sealed record CaseInsensitive(string Text)
    {
        public bool Equals(CaseInsensitive? other) => other is not null && string.Equals(Text, other.Text, StringComparison.OrdinalIgnoreCase);

        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Text);
    }

    private sealed class StringSerializer<T>(Func<T, string> text) : Platform.Client.Serialization.ISerializer<T>
    {
        public byte[]? Serialize(T data, Platform.Client.Serialization.SerializationContext context) => System.Text.Encoding.UTF8.GetBytes(text(data));
    }

    private sealed class StringDeserializer<T>(Func<string, T> parse) : Platform.Client.Serialization.IDeserializer<T>
    {
        public T Deserialize(ReadOnlySpan<byte> data, bool isNull, Platform.Client.Serialization.SerializationContext context) => parse(System.Text.Encoding.UTF8.GetString(data));
    }

    private sealed class SplitTimestampedWords : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string> _context = null!;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, string> record)
        {
            foreach (var token in record.Value.Split(' '))
            {
                var at = token.IndexOf('@', StringComparison.Ordinal);
                _context.Forward(new Record<string, string>(record.Key, token[..at], long.Parse(token[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture), new Headers()));
            }
        }

        public void Close()
        {
        }
    }
}
