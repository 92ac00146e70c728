using System.Text;
using Platform.Protocol.RecordFormat;

namespace Platform.Protocol.Tests.RecordFormat;

public class Crc32CTests
{
    [Fact]
    public void Compute_CheckValue_IsCastagnolis()
    {
        // The standard check value of CRC-32C: the checksum of the ASCII digits 1 to 9.
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(3071)]
    [InlineData(3072)]
    [InlineData(3073)]
    [InlineData(6144 + 13)]
    [InlineData(16_384)]
    [InlineData(1_048_576 + 5)]
    public void Compute_LongData_MatchesBitwiseDefinition(int length)
    {
        // Lengths around the interleaved lanes (three of 1 KiB) and their tails.
        var data = new byte[length];
        new Random(length).NextBytes(data);

        Assert.Equal(Bitwise(data), Crc32C.Compute(data));
    }

    /// <summary>CRC-32C by its definition: reflected polynomial 0x82F63B78, one bit at a time.</summary>
    private static uint Bitwise(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
