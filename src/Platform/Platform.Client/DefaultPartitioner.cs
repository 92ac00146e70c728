using Platform.Client.Producer;

namespace Platform.Client;

/// <summary>
/// Where the default partitioner puts a keyed record: <c>toPositive(murmur2(key)) % partitions</c>, as the
/// Java client does. Applications use it to find a key's partition without producing, e.g. a Streams
/// instance locating the task (and host) that holds a key's state.
/// </summary>
public static class DefaultPartitioner
{
    /// <summary>The partition of the serialized <paramref name="key"/> among <paramref name="partitionCount"/> partitions.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitionCount"/> is not positive.</exception>
    public static int Partition(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        return Murmur2.Partition(key, partitionCount);
    }
}
