namespace Platform.Client.Admin;

/// <summary>A producer a partition's leader keeps state for.</summary>
/// <param name="ProducerId">Producer id.</param>
/// <param name="ProducerEpoch">Its last epoch on the partition.</param>
/// <param name="LastSequence">The last sequence number written, or -1.</param>
/// <param name="LastTimestamp">Timestamp of its last write (Unix ms), or -1.</param>
/// <param name="CoordinatorEpoch">The coordinator epoch of its last marker, or -1.</param>
/// <param name="CurrentTransactionStartOffset">First offset of its open transaction on the partition, or null when none is open.</param>
public sealed record ProducerState(long ProducerId, int ProducerEpoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long? CurrentTransactionStartOffset);
