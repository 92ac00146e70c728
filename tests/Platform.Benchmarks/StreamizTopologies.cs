using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Table;

namespace Platform.Benchmarks;

/// <summary>The <c>streams</c> benchmark's map+filter and word count topologies in Streamiz.Kafka.Net, on the same broker and input.</summary>
internal static class StreamizTopologies
{
    // One for every run, never disposed: Streamiz keeps the last factory it was given in a static, which the next
    // StreamConfig's constructor uses before its Logger is set (a factory disposed after each run failed the next one).
    // A console logger has a thread of its own, so this also keeps runs from leaving one behind each.
    private static readonly ILoggerFactory LoggerFactoryForAllRuns = LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Warning));

    public static async Task RunAsync(StreamsRunContext context, bool wordCount, string name, Action done)
    {
        var applicationId = $"bench-{name}-{Guid.NewGuid():N}";
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = applicationId,
            BootstrapServers = context.Bootstrap,
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            Guarantee = ProcessingGuarantee.AT_LEAST_ONCE,
            CommitIntervalMs = context.CommitMs,
            StateDir = context.StateDir,
            Logger = LoggerFactoryForAllRuns,
        };
        var builder = new StreamBuilder();
        var lines = builder.Stream<string, string>(context.Input);
        if (wordCount)
        {
            lines.FlatMapValues((line, _) => line.Split(' '))
                .GroupBy<string, StringSerDes>((_, word, _) => word)
                .Count(InMemory.As<string, long>("counts").WithValueSerdes<Int64SerDes>())
                .ToStream()
                .To<StringSerDes, Int64SerDes>("streamiz-wordcount-out");
        }
        else
        {
            lines.MapValues((line, _) => line.ToUpperInvariant())
                .Filter((_, line, _) => line.IndexOf(' ', StringComparison.Ordinal) > 3)
                .To("streamiz-mapfilter-out");
        }

        var failed = false;
        using var stream = new KafkaStream(builder.Build(), config);
        stream.StateChanged += (_, next) => failed |= next == KafkaStream.State.ERROR;
        await stream.StartAsync();
        await context.WaitUntilProcessedAsync(applicationId, exactlyOnce: false, () => failed ? "Streamiz went to ERROR" : null);
        done();
    }
}
