namespace Platform.Client.Producer;

/// <summary>
/// Kafka's PartitionLoadStats (adaptive partitioning, KIP-794): the partitions available to the sticky
/// partitioner, each weighted by <c>1 + the deepest queue - its queue</c> (in batches), as a cumulative
/// frequency table for a weighted random choice. Immutable: the sender publishes a new one when the load changes.
/// </summary>
internal sealed class PartitionLoad
{
    private readonly int[] _cumulative;

    private PartitionLoad(int[] cumulative, int[] partitions)
    {
        _cumulative = cumulative;
        Partitions = partitions;
    }

    /// <summary>The partitions to choose from, ascending.</summary>
    public int[] Partitions { get; }

    /// <summary>The sum of the weights: a choice takes a random number below it.</summary>
    public int Total => _cumulative[^1];

    /// <summary>
    /// The load of <paramref name="partitions"/> (ascending) with <paramref name="queueSizes"/> batches queued;
    /// null when they are all the partitions of the topic and equally loaded (a uniform choice does the same, cheaper).
    /// Returns <paramref name="current"/> when it says the same, so an unchanged load costs no allocation.
    /// </summary>
    public static PartitionLoad? Of(ReadOnlySpan<int> queueSizes, ReadOnlySpan<int> partitions, int partitionCount, PartitionLoad? current)
    {
        if (queueSizes.IsEmpty)
        {
            return null;
        }

        var max = queueSizes[0];
        var allEqual = true;
        foreach (var size in queueSizes)
        {
            allEqual &= size == queueSizes[0];
            max = Math.Max(max, size);
        }

        if (allEqual && queueSizes.Length == partitionCount)
        {
            return null;
        }

        if (current is not null && current.Partitions.AsSpan().SequenceEqual(partitions) && current._cumulative.Length == queueSizes.Length)
        {
            var same = true;
            var sum = 0;
            for (var i = 0; i < queueSizes.Length && same; i++)
            {
                sum += max + 1 - queueSizes[i];
                same = current._cumulative[i] == sum;
            }

            if (same)
            {
                return current;
            }
        }

        var cumulative = new int[queueSizes.Length];
        var total = 0;
        for (var i = 0; i < queueSizes.Length; i++)
        {
            total += max + 1 - queueSizes[i];
            cumulative[i] = total;
        }

        return new PartitionLoad(cumulative, partitions.ToArray());
    }

    /// <summary>The partition whose weight range holds <paramref name="random"/> (0 &lt;= random &lt; <see cref="Total"/>).</summary>
    public int Choose(int random)
    {
        // The first entry above random: Kafka's Arrays.binarySearch over the table, found or not.
        var index = Array.BinarySearch(_cumulative, random);
        return Partitions[index >= 0 ? index + 1 : ~index];
    }
}
