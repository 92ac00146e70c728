namespace Platform.Protocol.RecordFormat;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected 0xEDB88320), the checksum in a gzip trailer. System.IO.Hashing is not
/// available here; a table-driven loop is fast enough next to inflate.
/// </summary>
internal static class Crc32Ieee
{
    public const uint Seed = 0xFFFFFFFFu;

    private static readonly uint[] Table = BuildTable();

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data)
        {
            crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return crc;
    }

    public static uint Finish(uint crc) => ~crc;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var i = 0u; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
