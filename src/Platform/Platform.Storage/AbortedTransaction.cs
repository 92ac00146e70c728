namespace Platform.Storage;

/// <summary>One aborted transaction of a partition, as Kafka's <c>.txnindex</c> keeps it.</summary>
/// <param name="ProducerId">The producer whose transaction aborted.</param>
/// <param name="FirstOffset">Offset of the transaction's first batch in this partition.</param>
/// <param name="LastOffset">Offset of the ABORT marker.</param>
/// <param name="LastStableOffset">The partition's last stable offset right after the marker.</param>
public readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset, long LastStableOffset);
