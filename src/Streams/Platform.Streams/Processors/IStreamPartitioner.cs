namespace Platform.Streams.Processors;

/// <summary>Picks the partition a sink writes a record to.</summary>
public interface IStreamPartitioner<in TKey, in TValue>
{
    /// <summary>The partition (0 to <paramref name="partitionCount"/>-1), or null for the producer's default (the key's hash).</summary>
    int? Partition(string topic, TKey key, TValue value, int partitionCount);
}
