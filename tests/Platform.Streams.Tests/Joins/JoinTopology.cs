using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Joins;

/// <summary>Two string streams "left" and "right", joined by the given call, written to "out", in a test driver.</summary>
internal sealed class JoinTopology : IDisposable
{
    public JoinTopology(Func<IKStream<string, string>, IKStream<string, string>, IKStream<string, string>> join, long? emitIntervalMs = 0, string applicationId = "joins")
    {
        var builder = new StreamsBuilder();
        var left = builder.Stream("left", Consumed.With(Serdes.String, Serdes.String));
        var right = builder.Stream("right", Consumed.With(Serdes.String, Serdes.String));
        join(left, right).To("out", Produced.With(Serdes.String, Serdes.String));
        Driver = new TopologyTestDriver(builder.Build(Config(emitIntervalMs, applicationId)), Config(emitIntervalMs, applicationId), DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        Left = Driver.CreateInputTopic("left", Serdes.String, Serdes.String);
        Right = Driver.CreateInputTopic("right", Serdes.String, Serdes.String);
        Output = Driver.CreateOutputTopic("out", Serdes.String, Serdes.String);
    }

    public TopologyTestDriver Driver { get; }

    public TestInputTopic<string, string> Left { get; }

    public TestInputTopic<string, string> Right { get; }

    public TestOutputTopic<string, string> Output { get; }

    /// <summary>The application (default "joins"); the outer-join scan interval (Kafka's internal setting) when given.</summary>
    public static StreamsConfig Config(long? emitIntervalMs, string applicationId = "joins")
    {
        var config = new StreamsConfig { ["application.id"] = applicationId };
        if (emitIntervalMs is { } interval)
        {
            config["__emit.interval.ms.kstreams.outer.join.spurious.results.fix__"] = interval.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return config;
    }

    public void Dispose() => Driver.Dispose();
}
