using System.Globalization;
using Platform.Streams;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Examples.WordCount;

/// <summary>
/// Counts words: text lines from <see cref="InputTopic"/> are split on whitespace and lower-cased, grouped by word
/// (through the repartition topic <c>&lt;application.id&gt;-words-repartition</c>) and counted in the store
/// <see cref="StoreName"/>; every new count goes to <see cref="OutputTopic"/> as key = word, value = the count in
/// UTF-8 decimal text.
/// </summary>
public static class WordCountTopology
{
    /// <summary>Text lines, any key.</summary>
    public const string InputTopic = "words-input";

    /// <summary>Word → count (both UTF-8 text).</summary>
    public const string OutputTopic = "word-counts";

    /// <summary>The key-value store holding the counts (queryable with <c>KafkaStreams.Store</c>).</summary>
    public const string StoreName = "counts";

    /// <summary>Builds the topology; <paramref name="config"/> decides its optimizations (<c>topology.optimization</c>), the default when null.</summary>
    public static Topology Build(StreamsConfig? config = null)
    {
        var builder = new StreamsBuilder();
        builder.Stream(InputTopic, Consumed.With(Serdes.String, Serdes.String).WithName("lines"))
            .FlatMapValues(SplitWords, Named.As("split"))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>(StoreName).WithKeySerde(Serdes.String).WithValueSerde(Serdes.Int64), Named.As("count"))
            .ToStream(Named.As("changes"))
            .MapValues(count => count.ToString(CultureInfo.InvariantCulture), Named.As("as-text"))
            .To(OutputTopic, Produced.With(Serdes.String, Serdes.String).WithName("word-counts"));
        return builder.Build(config);
    }

    /// <summary>The words of <paramref name="line"/>, lower-cased; none for a null line.</summary>
    public static IEnumerable<string> SplitWords(string? line)
        => line is null ? [] : line.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
