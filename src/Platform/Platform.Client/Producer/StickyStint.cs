namespace Platform.Client.Producer;

/// <summary>
/// One stint of the sticky partitioner (KIP-794): records without key go to <see cref="Partition"/> until
/// <c>batch.size</c> bytes went there, whatever happened to the batches meanwhile (sent on linger.ms, or full),
/// so a partition whose batches leave quickly gets no more records than one whose batches wait.
/// </summary>
internal sealed class StickyStint(int partition)
{
    public int Partition { get; } = partition;

    /// <summary>Bytes appended to the partition's batches in this stint, batch headers included (written under the partition queue's lock).</summary>
    public int Produced;
}
