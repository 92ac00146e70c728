using Platform.Client.Serialization;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Windows;

public sealed class WindowedSerdeTests
{
    [Fact]
    public void TimeWindowedSerde_Layout_IsKeyThenBigEndianStart()
    {
        var serde = new TimeWindowedSerde<string>(Serdes.String, 5);

        var bytes = serde.Serialize(new Windowed<string>("ab", new Window(0x0102, 0x0107)), SerializationContext.Empty);

        Assert.Equal([(byte)'a', (byte)'b', 0, 0, 0, 0, 0, 0, 1, 2], bytes);
        Assert.Equal(new Windowed<string>("ab", new Window(0x0102, 0x0107)), serde.Deserialize(bytes, false, SerializationContext.Empty));
    }

    [Fact]
    public void TimeWindowedSerde_WithoutSize_ReadsEndAsMaxValue()
    {
        var serde = new TimeWindowedSerde<string>(Serdes.String, null);

        var windowed = serde.Deserialize([(byte)'k', 0, 0, 0, 0, 0, 0, 0, 9], false, SerializationContext.Empty);

        Assert.Equal(new Windowed<string>("k", new Window(9, long.MaxValue)), windowed);
    }

    [Fact]
    public void SessionWindowedSerde_Layout_IsKeyThenEndThenStart()
    {
        var serde = new SessionWindowedSerde<string>(Serdes.String);

        var bytes = serde.Serialize(new Windowed<string>("k", new Window(3, 0x0A0B)), SerializationContext.Empty);

        Assert.Equal([(byte)'k', 0, 0, 0, 0, 0, 0, 0x0A, 0x0B, 0, 0, 0, 0, 0, 0, 0, 3], bytes);
        Assert.Equal(new Windowed<string>("k", new Window(3, 0x0A0B)), serde.Deserialize(bytes, false, SerializationContext.Empty));
    }

    [Fact]
    public void WindowedSerdes_TooShortInput_FailWithFormatException()
    {
        Assert.Throws<FormatException>(() => new TimeWindowedSerde<string>(Serdes.String, 5).Deserialize([1, 2, 3], false, SerializationContext.Empty));
        Assert.Throws<FormatException>(() => new SessionWindowedSerde<string>(Serdes.String).Deserialize(new byte[15], false, SerializationContext.Empty));
    }

    [Fact]
    public void TimeWindows_WindowsFor_HoppingReturnsEveryWindowContainingTheTimestamp()
    {
        var windows = TimeWindows.OfSizeWithNoGrace(TimeSpan.FromMilliseconds(10)).AdvanceBy(TimeSpan.FromMilliseconds(3));

        Assert.Equal([new Window(3, 13), new Window(6, 16), new Window(9, 19), new Window(12, 22)], windows.WindowsFor(12));
        Assert.Equal([new Window(0, 10)], windows.WindowsFor(1));
    }

    [Fact]
    public void WindowDefinitions_InvalidDurations_AreRefusedNamingTheParameter()
    {
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => TimeWindows.OfSizeWithNoGrace(TimeSpan.Zero)).ParamName);
        Assert.Equal("advance", Assert.Throws<ArgumentOutOfRangeException>(() => TimeWindows.OfSizeWithNoGrace(TimeSpan.FromSeconds(1)).AdvanceBy(TimeSpan.FromSeconds(2))).ParamName);
        Assert.Equal("grace", Assert.Throws<ArgumentOutOfRangeException>(() => SessionWindows.OfInactivityGapAndGrace(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(-1))).ParamName);
        Assert.Equal("timeDifference", Assert.Throws<ArgumentOutOfRangeException>(() => SlidingWindows.OfTimeDifferenceWithNoGrace(TimeSpan.FromTicks(1))).ParamName);
    }
}
