namespace Platform.Client;

/// <summary>A custom partitioner: picks the partition (0 to <paramref name="partitionCount"/>-1) of a record.</summary>
/// <param name="topic">The topic.</param>
/// <param name="partitionCount">How many partitions it has.</param>
/// <param name="keyData">The serialized key.</param>
/// <param name="keyIsNull">Whether the key is null.</param>
public delegate int PartitionerDelegate(string topic, int partitionCount, ReadOnlySpan<byte> keyData, bool keyIsNull);
