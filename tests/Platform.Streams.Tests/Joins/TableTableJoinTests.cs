using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Joins;

public class TableTableJoinTests
{
    [Fact]
    public void Join_RowsOnBothSides_UpdatesFollowEitherSideAndTombstonesDelete()
    {
        using var t = new TableTableTopology((l, r) => l.Join(r, (a, b) => a + "+" + b));

        t.Left.PipeInput("k", "a1", 10);
        Assert.True(t.Output.IsEmpty);
        t.Right.PipeInput("k", "b1", 20);
        t.Left.PipeInput("k", "a2", 15);
        t.Right.PipeInput("k", null!, 30);

        var results = t.Output.ReadRecordsToList();
        Assert.Equal([("a1+b1", 20L), ("a2+b1", 20L), (null, 30L)], results.Select(r => (r.Value, r.Timestamp)).ToList());
    }

    [Fact]
    public void LeftJoin_RightRowComesAndGoes_LeftRowAlwaysHasAResult()
    {
        using var t = new TableTableTopology((l, r) => l.LeftJoin(r, (a, b) => a + "+" + (b ?? "null")));

        t.Left.PipeInput("k", "a", 1);
        t.Right.PipeInput("k", "b", 2);
        t.Right.PipeInput("k", null!, 3);
        t.Right.PipeInput("other", "x", 4);
        t.Left.PipeInput("k", null!, 5);

        Assert.Equal(["a+null", "a+b", "a+null", null!], t.Output.ReadValuesToList());
    }

    [Fact]
    public void OuterJoin_EitherRow_ProducesAResult()
    {
        using var t = new TableTableTopology((l, r) => l.OuterJoin(r, (a, b) => (a ?? "null") + "+" + (b ?? "null")));

        t.Right.PipeInput("k", "b", 1);
        t.Left.PipeInput("k", "a", 2);
        t.Right.PipeInput("k", null!, 3);
        t.Left.PipeInput("k", null!, 4);

        Assert.Equal(["null+b", "a+b", "a+null", null!], t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_Materialized_ResultIsQueryable()
    {
        var builder = new StreamsBuilder();
        var left = builder.Table("left", Consumed.With(Serdes.String, Serdes.String));
        var right = builder.Table("right", Consumed.With(Serdes.String, Serdes.String));
        left.Join<string, string>(right, (a, b) => a + "+" + b, Materialized.As<string, string>("joined").WithValueSerde(Serdes.String).WithCachingDisabled());
        using var driver = new TopologyTestDriver(builder.Build(JoinTopology.Config(0)), JoinTopology.Config(0));
        var leftIn = driver.CreateInputTopic("left", Serdes.String, Serdes.String);
        var rightIn = driver.CreateInputTopic("right", Serdes.String, Serdes.String);

        leftIn.PipeInput("k1", "a", 1);
        rightIn.PipeInput("k1", "b", 2);
        leftIn.PipeInput("k2", "c", 3);

        var store = driver.GetTimestampedKeyValueStore<string, string>("joined");
        Assert.Equal("a+b", store.Get("k1")?.Value);
        Assert.Equal(2L, store.Get("k1")?.Timestamp);
        Assert.Null(store.Get("k2"));
    }

    [Fact]
    public void Join_DownstreamNeedsOldValues_GroupByAggregateSubtractsTheOldJoinedRow()
    {
        var builder = new StreamsBuilder();
        var left = builder.Table("left", Consumed.With(Serdes.String, Serdes.String));
        var right = builder.Table("right", Consumed.With(Serdes.String, Serdes.String));

        // Count joined rows per right value: moving a row from one group to another needs its old joined value.
        left.Join(right, (a, b) => b)
            .GroupBy((k, v) => (v, k), Grouped.With(Serdes.String, Serdes.String))
            .Count()
            .ToStream()
            .To("counts", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(JoinTopology.Config(0)), JoinTopology.Config(0));
        var leftIn = driver.CreateInputTopic("left", Serdes.String, Serdes.String);
        var rightIn = driver.CreateInputTopic("right", Serdes.String, Serdes.String);
        var counts = driver.CreateOutputTopic("counts", Serdes.String, Serdes.Int64);

        leftIn.PipeInput("k", "a", 1);
        rightIn.PipeInput("k", "red", 2);
        rightIn.PipeInput("k", "blue", 3);

        var final = counts.ReadKeyValuesToMap();
        Assert.Equal(0L, final["red"]);
        Assert.Equal(1L, final["blue"]);
    }

    /// <summary>Tables "left" and "right", joined, written as a stream to "out".</summary>
    private sealed class TableTableTopology : IDisposable
    {
        public TableTableTopology(Func<IKTable<string, string>, IKTable<string, string>, IKTable<string, string>> join)
        {
            var builder = new StreamsBuilder();
            var left = builder.Table("left", Consumed.With(Serdes.String, Serdes.String));
            var right = builder.Table("right", Consumed.With(Serdes.String, Serdes.String));
            join(left, right).ToStream().To("out", Produced.With(Serdes.String, Serdes.String));
            Driver = new TopologyTestDriver(builder.Build(JoinTopology.Config(0)), JoinTopology.Config(0));
            Left = Driver.CreateInputTopic("left", Serdes.String, Serdes.String);
            Right = Driver.CreateInputTopic("right", Serdes.String, Serdes.String);
            Output = Driver.CreateOutputTopic("out", Serdes.String, Serdes.String);
        }

        public TopologyTestDriver Driver { get; }

        public TestInputTopic<string, string> Left { get; }

        public TestInputTopic<string, string> Right { get; }

        public TestOutputTopic<string, string> Output { get; }

        public void Dispose() => Driver.Dispose();
    }
}
