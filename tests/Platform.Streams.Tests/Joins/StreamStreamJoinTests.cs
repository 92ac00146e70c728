using System.Diagnostics.Metrics;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Joins;

public class StreamStreamJoinTests
{
    // 100 ms either way, 50 ms grace: a left record at t closes at stream time t + 100 + 50.
    private static readonly JoinWindows Windows = JoinWindows.OfTimeDifferenceAndGrace(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(50));

    [Fact]
    public void Join_PartnerInsideWindow_EmitsOnePairAtTheLaterTimestamp()
    {
        using var t = new JoinTopology((left, right) => left.Join(right, (l, r) => l + "+" + r, Windows));

        t.Left.PipeInput("k", "a", 1000);
        t.Right.PipeInput("k", "b", 1060);
        t.Right.PipeInput("k", "c", 1101);

        var results = t.Output.ReadRecordsToList();
        var result = Assert.Single(results);
        Assert.Equal(("k", "a+b", 1060L), (result.Key, result.Value, result.Timestamp));
    }

    [Fact]
    public void Join_EveryPartnerInWindow_JoinsWithEach()
    {
        using var t = new JoinTopology((left, right) => left.Join(right, (l, r) => l + "+" + r, Windows));

        t.Right.PipeInput("k", "b1", 950);
        t.Right.PipeInput("k", "b2", 1000);
        t.Right.PipeInput("k", "b3", 1000);
        t.Left.PipeInput("k", "a", 1000);

        Assert.Equal(["a+b1", "a+b2", "a+b3"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_OutOfOrderRecordWithinGrace_StillJoins()
    {
        using var t = new JoinTopology((left, right) => left.Join(right, (l, r) => l + "+" + r, Windows));

        t.Left.PipeInput("k", "a", 1000);
        t.Left.PipeInput("other", "x", 1140);
        t.Right.PipeInput("k", "late-but-in-grace", 1090);

        var result = Assert.Single(t.Output.ReadRecordsToList());
        Assert.Equal(("a+late-but-in-grace", 1090L), (result.Value, result.Timestamp));
    }

    [Fact]
    public void Join_RecordLaterThanGrace_IsDropped()
    {
        using var t = new JoinTopology((left, right) => left.Join(right, (l, r) => l + "+" + r, Windows));

        t.Left.PipeInput("k", "a", 1000);
        t.Left.PipeInput("other", "x", 1300);

        // Its window [990, 1190] closed at 1240 in stream time: too late, although "a" is within its window.
        t.Right.PipeInput("k", "too-late", 1090);

        Assert.True(t.Output.IsEmpty);
    }

    [Fact]
    public void Join_RecordLaterThanGrace_CountsInDroppedRecords()
    {
        long dropped = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Platform.Streams" && instrument.Name == "dropped-records")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "application-id" && (tag.Value as string) == "joins-late")
                {
                    Interlocked.Add(ref dropped, value);
                }
            }
        });
        listener.Start();
        using var t = new JoinTopology((left, right) => left.Join(right, (l, r) => l + "+" + r, Windows), applicationId: "joins-late");

        t.Left.PipeInput("k", "a", 1000);
        t.Left.PipeInput("other", "x", 1300);
        t.Right.PipeInput("k", "too-late", 1090);

        Assert.Equal(1, Interlocked.Read(ref dropped));
    }

    [Fact]
    public void Join_AsymmetricWindow_RespectsBeforeAndAfter()
    {
        var windows = JoinWindows.OfTimeDifferenceWithNoGrace(TimeSpan.Zero).Before(TimeSpan.Zero).After(TimeSpan.FromMilliseconds(100));
        using var t = new JoinTopology((left, right) => left.Join(right, (l, r) => l + "+" + r, windows));

        t.Left.PipeInput("k", "a", 1000);
        t.Right.PipeInput("k", "before", 999);
        t.Right.PipeInput("k", "after", 1100);

        Assert.Equal(["a+after"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void LeftJoin_NoPartner_EmittedOnlyAfterTheWindowAndGraceClose()
    {
        using var t = new JoinTopology((left, right) => left.LeftJoin(right, (l, r) => l + "+" + (r ?? "null"), Windows));

        t.Left.PipeInput("k", "a", 1000);
        t.Left.PipeInput("other", "x", 1150);
        Assert.True(t.Output.IsEmpty);

        t.Left.PipeInput("other", "y", 1151);

        var result = Assert.Single(t.Output.ReadRecordsToList());
        Assert.Equal(("k", "a+null", 1000L), (result.Key, result.Value, result.Timestamp));
    }

    [Fact]
    public void LeftJoin_PartnerArrivesOutOfOrderWithinGrace_NoSpuriousNullResult()
    {
        using var t = new JoinTopology((left, right) => left.LeftJoin(right, (l, r) => l + "+" + (r ?? "null"), Windows));

        t.Left.PipeInput("k", "a", 1000);
        t.Left.PipeInput("other", "x", 1140);
        t.Right.PipeInput("k", "b", 1090);
        t.Left.PipeInput("other", "y", 5000);

        // "x" had no partner and closed; "a" found one within grace, so it is never emitted alone.
        Assert.Equal(["a+b", "x+null"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void LeftJoin_ClosedRecordsEmitted_InTimestampOrder()
    {
        using var t = new JoinTopology((left, right) => left.LeftJoin(right, (l, r) => l + "+" + (r ?? "null"), Windows));

        t.Left.PipeInput("k2", "second", 1010);
        t.Left.PipeInput("k1", "first", 1000);
        t.Left.PipeInput("k3", "advance", 2000);

        Assert.Equal(["first+null", "second+null"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void LeftJoin_RightRecordWithoutPartner_EmitsNothing()
    {
        using var t = new JoinTopology((left, right) => left.LeftJoin(right, (l, r) => l + "+" + (r ?? "null"), Windows));

        t.Right.PipeInput("k", "b", 1000);
        t.Right.PipeInput("other", "advance", 3000);

        Assert.True(t.Output.IsEmpty);
    }

    [Fact]
    public void OuterJoin_UnmatchedOnBothSides_EmittedWithTheMissingSideAfterClose()
    {
        using var t = new JoinTopology((left, right) => left.OuterJoin(right, (l, r) => (l ?? "null") + "+" + (r ?? "null"), Windows));

        t.Left.PipeInput("a", "l1", 1000);
        t.Right.PipeInput("b", "r1", 1020);
        t.Left.PipeInput("c", "l2", 1030);
        t.Right.PipeInput("c", "r2", 1040);
        t.Right.PipeInput("z", "advance", 1300);

        Assert.Equal(["l2+r2", "l1+null", "null+r1"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void OuterJoin_LeftArrivesAfterRightWithinWindow_OnlyTheJoinedResult()
    {
        using var t = new JoinTopology((left, right) => left.OuterJoin(right, (l, r) => (l ?? "null") + "+" + (r ?? "null"), Windows));

        t.Right.PipeInput("k", "r", 1000);
        t.Left.PipeInput("k", "l", 1080);
        t.Left.PipeInput("z", "advance", 2000);

        Assert.Equal(["l+r"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void LeftJoin_DefaultEmitInterval_WaitsForWallClockBetweenScans()
    {
        using var t = new JoinTopology((left, right) => left.LeftJoin(right, (l, r) => l + "+" + (r ?? "null"), Windows), emitIntervalMs: null);

        t.Left.PipeInput("k1", "a", 1000);
        t.Left.PipeInput("k2", "b", 1200);
        Assert.Equal(["a+null"], t.Output.ReadValuesToList());

        // The next scan waits a second of wall-clock time.
        t.Left.PipeInput("k3", "c", 1400);
        Assert.True(t.Output.IsEmpty);

        t.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
        t.Left.PipeInput("k4", "d", 1600);
        Assert.Equal(["b+null", "c+null"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_AfterKeyChange_RepartitionsAndJoins()
    {
        using var t = new JoinTopology((left, right) => left.SelectKey<string>((_, v) => v!.Split(':')[0]).Join(right, (l, r) => l + "+" + r, Windows));

        t.Left.PipeInput("ignored", "k:a", 1000);
        t.Right.PipeInput("k", "b", 1010);

        Assert.Equal([new KeyValuePair<string, string>("k", "k:a+b")], t.Output.ReadKeyValuesToList());
        Assert.Contains(t.Driver.ProducedTopicNames, n => n.EndsWith("-repartition", StringComparison.Ordinal));
    }

    [Fact]
    public void Join_GeneratedNames_FollowKafka()
    {
        var builder = new StreamsBuilder();
        var left = builder.Stream("left", Consumed.With(Serdes.String, Serdes.String));
        var right = builder.Stream("right", Consumed.With(Serdes.String, Serdes.String));
        left.OuterJoin(right, (l, r) => (l + r), Windows).To("out", Produced.With(Serdes.String, Serdes.String));

        var description = builder.Build(JoinTopology.Config(0)).Describe().ToString();

        Assert.Contains("KSTREAM-WINDOWED-0000000002", description, StringComparison.Ordinal);
        Assert.Contains("KSTREAM-OUTERTHIS-0000000004", description, StringComparison.Ordinal);
        Assert.Contains("KSTREAM-OUTEROTHER-0000000005", description, StringComparison.Ordinal);
        Assert.Contains("KSTREAM-MERGE-0000000006", description, StringComparison.Ordinal);
        Assert.Contains("KSTREAM-OUTERSHARED-0000000004-store", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Join_NamedStores_WriteChangelogs()
    {
        using var t = new JoinTopology((left, right) => left.LeftJoin(
            right, (l, r) => l + "+" + r, Windows, StreamJoined.With(Serdes.String, Serdes.String, Serdes.String).WithStoreName("pairs")));

        t.Left.PipeInput("k", "a", 1000);
        t.Right.PipeInput("k", "b", 1000);

        Assert.Contains("joins-pairs-this-join-store-changelog", t.Driver.ProducedTopicNames);
        Assert.Contains("joins-pairs-outer-other-join-store-changelog", t.Driver.ProducedTopicNames);
        Assert.Contains("joins-pairs-outer-shared-join-store-changelog", t.Driver.ProducedTopicNames);
    }
}
