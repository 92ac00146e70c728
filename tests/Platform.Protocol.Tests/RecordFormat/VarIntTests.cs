using Platform.Protocol.RecordFormat;

namespace Platform.Protocol.Tests.RecordFormat;

public class VarIntTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(-1, new byte[] { 0x01 })]
    [InlineData(1, new byte[] { 0x02 })]
    [InlineData(63, new byte[] { 0x7E })]
    [InlineData(-64, new byte[] { 0x7F })]
    [InlineData(64, new byte[] { 0x80, 0x01 })]
    [InlineData(int.MaxValue, new byte[] { 0xFE, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(int.MinValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    public void Write_Int32_MatchesZigZagEncodingAndSize(int value, byte[] expected)
    {
        var buffer = new byte[5];

        var written = VarInt.Write(buffer, value);

        Assert.Equal(expected, buffer[..written]);
        Assert.Equal(expected.Length, VarInt.SizeOf(value));
        var position = 0;
        Assert.True(VarInt.TryRead(buffer, ref position, out int read));
        Assert.Equal((value, written), (read, position));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1_700_000_000_000L)]
    [InlineData(-1_700_000_000_000L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Write_Int64_RoundTripsWithSize(long value)
    {
        var buffer = new byte[10];

        var written = VarInt.Write(buffer, value);

        Assert.Equal(written, VarInt.SizeOf(value));
        var position = 0;
        Assert.True(VarInt.TryRead(buffer, ref position, out long read));
        Assert.Equal((value, written), (read, position));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })]
    public void TryRead_TruncatedOrTooLong_ReturnsFalse(byte[] bytes)
    {
        var position = 0;

        Assert.False(VarInt.TryRead(bytes, ref position, out int _));
    }
}
