namespace Platform.Client.Admin;

/// <summary>
/// A hanging transaction to abort on one partition: the ABORT marker is written by the partition's leader
/// for this producer (what <c>kafka-transactions.sh abort</c> does). The values come from
/// <see cref="IAdminClient.DescribeProducersAsync"/>.
/// </summary>
/// <param name="TopicPartition">The partition whose last stable offset the transaction holds.</param>
/// <param name="ProducerId">The producer of the open transaction.</param>
/// <param name="ProducerEpoch">Its epoch on the partition.</param>
/// <param name="CoordinatorEpoch">The coordinator epoch to write the marker with.</param>
public sealed record AbortTransactionSpec(TopicPartition TopicPartition, long ProducerId, short ProducerEpoch, int CoordinatorEpoch);
