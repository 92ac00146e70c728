namespace Platform.Client.Admin;

/// <summary>The producers of one partition.</summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="ActiveProducers">Producers the leader keeps state for.</param>
/// <param name="Error">Why the partition could not be described, or no error.</param>
public sealed record DescribeProducersResult(TopicPartition TopicPartition, IReadOnlyList<ProducerState> ActiveProducers, Error Error);
