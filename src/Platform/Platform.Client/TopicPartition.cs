namespace Platform.Client;

/// <summary>A partition of a topic.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Partition index.</param>
public sealed record TopicPartition(string Topic, int Partition)
{
    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Partition}";
}
