namespace Platform.Client.Producer;

/// <summary>
/// Kafka's key hash, bit for bit the Java client's <c>Utils.murmur2</c> (seed 0x9747b28c), and
/// <c>toPositive(hash) % partitions</c>, so a key lands in the same partition as with Java or kafkajs.
/// </summary>
internal static class Murmur2
{
    private const int Seed = unchecked((int)0x9747b28c);
    private const int M = 0x5bd1e995;
    private const int R = 24;

    public static int Hash(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        var h = Seed ^ length;
        var length4 = length >> 2;
        unchecked
        {
            for (var i = 0; i < length4; i++)
            {
                var i4 = i << 2;
                var k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
                k *= M;
                k ^= k >>> R;
                k *= M;
                h *= M;
                h ^= k;
            }

            var tail = length & ~3;
            switch (length & 3)
            {
                case 3:
                    h ^= data[tail + 2] << 16;
                    h ^= data[tail + 1] << 8;
                    h ^= data[tail];
                    h *= M;
                    break;
                case 2:
                    h ^= data[tail + 1] << 8;
                    h ^= data[tail];
                    h *= M;
                    break;
                case 1:
                    h ^= data[tail];
                    h *= M;
                    break;
            }

            h ^= h >>> 13;
            h *= M;
            h ^= h >>> 15;
        }

        return h;
    }

    /// <summary>Java's <c>Utils.toPositive</c>: clears the sign bit (not <c>Math.Abs</c>).</summary>
    public static int ToPositive(int value) => value & 0x7fffffff;

    /// <summary>The partition the Java client's default partitioner picks for a non-null key.</summary>
    public static int Partition(ReadOnlySpan<byte> key, int partitionCount) => ToPositive(Hash(key)) % partitionCount;
}
