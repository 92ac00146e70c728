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

    [Fact]
    public void TryRead_Int32_EveryValueAroundTheOneTwoAndThreeByteSizes_RoundTripsAtAnyPositionAndEnd()
    {
        var buffer = new byte[3 + VarInt.MaxVarIntBytes];
        for (var value = -70_000; value <= 70_000; value++)
        {
            var size = VarInt.Write(buffer.AsSpan(3), value);

            // Ending right after the varint, and with bytes after it: neither end is read past.
            foreach (var end in new[] { 3 + size, buffer.Length })
            {
                var position = 3;
                Assert.True(VarInt.TryRead(buffer.AsSpan(0, end), ref position, out int read));
                Assert.Equal(value, read);
                Assert.Equal(3 + size, position);
            }

            if (size > 1)
            {
                // Cut one byte short: false, whichever size the varint has.
                var position = 3;
                Assert.False(VarInt.TryRead(buffer.AsSpan(0, 3 + size - 1), ref position, out int _));
            }
        }
    }

    [Fact]
    public void TryRead_Int64_EveryValueAroundTheOneAndTwoByteSizes_RoundTripsAtAnyPositionAndEnd()
    {
        var buffer = new byte[3 + VarInt.MaxVarLongBytes];
        foreach (var value in Enumerable.Range(-9_000, 18_001).Select(v => (long)v).Concat([long.MinValue, long.MaxValue, 1L << 40]))
        {
            var size = VarInt.Write(buffer.AsSpan(3), value);
            foreach (var end in new[] { 3 + size, buffer.Length })
            {
                var position = 3;
                Assert.True(VarInt.TryRead(buffer.AsSpan(0, end), ref position, out long read));
                Assert.Equal(value, read);
                Assert.Equal(3 + size, position);
            }

            if (size > 1)
            {
                var position = 3;
                Assert.False(VarInt.TryRead(buffer.AsSpan(0, 3 + size - 1), ref position, out long _));
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x00 }, 0)]
    [InlineData(new byte[] { 0xFF, 0x7F }, -8192)]
    [InlineData(new byte[] { 0xFE, 0x7F }, 8191)]
    [InlineData(new byte[] { 0x80, 0x80, 0x01 }, 8192)]
    public void TryRead_Int32_TwoAndThreeByteEncodings_DecodeAsTheirBits(byte[] bytes, int expected)
    {
        var position = 0;

        Assert.True(VarInt.TryRead(bytes, ref position, out int value));
        Assert.Equal(expected, value);
        Assert.Equal(bytes.Length, position);
    }
}
