using Platform.Protocol;

namespace Platform.Storage;

/// <summary>What an append assigned: the offsets, and the timestamps the produce response reports.</summary>
/// <param name="FirstOffset">Base offset of the first batch.</param>
/// <param name="LastOffset">Last offset of the last batch.</param>
/// <param name="LogAppendTime">The broker time stamped on the batches, or -1 for CreateTime topics.</param>
/// <param name="MaxTimestamp">Largest batch max timestamp appended.</param>
/// <param name="OffsetOfMaxTimestamp">Last offset of the batch holding <paramref name="MaxTimestamp"/>.</param>
/// <param name="RecordCount">Records appended (sum of lastOffsetDelta + 1).</param>
/// <param name="Bytes">Bytes appended.</param>
/// <param name="LogStartOffset">The log start offset after the append.</param>
/// <param name="IsDuplicate">The batch was a producer's retry of one already in the log: nothing was written and the offsets are the original ones.</param>
public readonly record struct LogAppendInfo(
    long FirstOffset,
    long LastOffset,
    long LogAppendTime,
    long MaxTimestamp,
    long OffsetOfMaxTimestamp,
    int RecordCount,
    int Bytes,
    long LogStartOffset,
    bool IsDuplicate = false);

/// <summary>A fetch's slice of the log with the partition's offsets at the time of the read.</summary>
/// <param name="Records">The batches (a <see cref="FileRecords"/> slice, or empty).</param>
/// <param name="HighWatermark">The high watermark when read.</param>
/// <param name="LogStartOffset">The log start offset when read.</param>
/// <param name="LogEndOffset">The log end offset when read.</param>
public sealed record LogReadResult(Records Records, long HighWatermark, long LogStartOffset, long LogEndOffset);
