using System.Diagnostics;

namespace Platform.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Opens the segments (<see cref="LogLoader"/>: leftovers removed, swaps completed, unflushed segments
    /// rescanned), then rebuilds the producer state, transactions and leader epochs from them; a recovered log
    /// is flushed before its recovery point is checkpointed.
    /// </summary>
    private void Load()
    {
        var stopwatch = Stopwatch.StartNew();
        var loaded = new LogLoader(_fs, Directory, _config, _logger, NowMs).Load();
        var segments = loaded.Segments;
        var logEndOffset = segments[^1].NextOffset;
        _segments.Load(segments, loaded.CreatedSegment);
        _logEndOffset = logEndOffset;
        _highWatermark.Load(logEndOffset);
        _logStartOffset = loaded.LogStartOffset;
        _flusher.Load(loaded.RecoveryPoint);
        LoadProducerState(logEndOffset);
        _epochs.Load(segments, logEndOffset);
        if (loaded.Recovered)
        {
            // Make the recovered state (cut tails, rebuilt indexes) durable before trusting it as a recovery point.
            Flush();
        }

        CheckpointRecoveryPoint();
        _logger.LogLoaded(Directory, segments.Length, loaded.LogStartOffset, logEndOffset, stopwatch.ElapsedMilliseconds);
    }
}
