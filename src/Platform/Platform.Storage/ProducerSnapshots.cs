using Microsoft.Extensions.Logging;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// The producer state snapshots of one partition directory: <c>&lt;offset&gt;.snapshot</c>, the state as
/// of that offset, written atomically (<see cref="AtomicFile"/>) at each roll and at a clean close; the
/// newest two are kept. At open (and after a truncation) the newest usable one is loaded and the batches
/// after it replayed (<see cref="Rebuild"/>), so a crash loses nothing the log kept.
/// </summary>
internal sealed class ProducerSnapshots(IStorageFileSystem fs, string directory, ILogger logger)
{
    private const int Kept = 2;
    private const int ReplayBufferSize = 8 * 1024;

    /// <summary>
    /// Rebuilds <paramref name="state"/> (cleared first) and <paramref name="transactions"/>: the newest usable snapshot,
    /// the transaction indexes, then the producer batches and markers after the snapshot up to the log end.
    /// An I/O error is thrown.
    /// </summary>
    public void Rebuild(ProducerStateManager state, TransactionState transactions, SegmentList segments, long logEndOffset)
    {
        state.Clear();
        var from = LoadNewest(state, logEndOffset);
        var all = segments.All;
        transactions.Load(all, logEndOffset);
        var replayed = 0;
        foreach (var segment in all)
        {
            if (segment.NextOffset <= from)
            {
                continue;
            }

            var size = segment.Size;
            var start = from > segment.BaseOffset ? Math.Clamp(segment.OffsetIndex.Lookup(from), 0, size) : 0;
            using var scanner = new BatchScanner(segment.File, start, size, ReplayBufferSize);
            // Whole batches: a marker's type (COMMIT or ABORT) is in its record.
            while (scanner.Next(wholeBatch: true) == ScanStatus.Batch)
            {
                var header = scanner.Current;
                if (RecordBatchHeader.ProducerId(header) < 0 || RecordBatchHeader.LastOffset(header) < from)
                {
                    continue;
                }

                if (RecordBatchHeader.IsControl(header))
                {
                    transactions.ApplyMarker(header, segments);
                }
                else
                {
                    state.Apply(ProducerBatch.FromHeader(header));
                }

                replayed++;
            }
        }

        // Entries the replay restored (or load cut) may sit in segments below the recovery point, which
        // the flush after recovery skips; they must be durable before a later snapshot stops replaying them.
        foreach (var segment in all)
        {
            segment.TxnIndex.Flush();
        }

        state.MapEndOffset = logEndOffset;
        transactions.Refresh();
        if (replayed > 0)
        {
            logger.ProducerStateRebuilt(directory, from, logEndOffset, replayed, state.Count);
        }
    }

    /// <summary>Writes the snapshot of the state at <paramref name="offset"/> and drops all but the newest few; a failure is logged, not thrown.</summary>
    public void Write(long offset, byte[] snapshot)
    {
        var path = LogFileNames.Path(directory, offset, LogFileNames.SnapshotExtension);
        try
        {
            AtomicFile.Write(fs, path, snapshot);
            var offsets = ListOffsets();
            for (var i = 0; i < offsets.Count - Kept; i++)
            {
                fs.DeleteFile(LogFileNames.Path(directory, offsets[i], LogFileNames.SnapshotExtension));
            }
        }
        catch (IOException e)
        {
            // The previous snapshot and the log still rebuild the state; only open time suffers.
            logger.SnapshotFailed(path, e);
        }
    }

    /// <summary>
    /// Loads the newest usable snapshot into <paramref name="state"/>, deleting those past the log end
    /// (which a cut tail made stale) and corrupt ones. Returns the offset it covers, 0 if none was usable.
    /// </summary>
    private long LoadNewest(ProducerStateManager state, long logEndOffset)
    {
        var offsets = ListOffsets();
        for (var i = offsets.Count - 1; i >= 0; i--)
        {
            var path = LogFileNames.Path(directory, offsets[i], LogFileNames.SnapshotExtension);
            if (offsets[i] <= logEndOffset && TryLoad(path, state))
            {
                return offsets[i];
            }

            logger.SnapshotDiscarded(path, logEndOffset);
            fs.DeleteFile(path);
        }

        return 0;
    }

    private List<long> ListOffsets()
    {
        var offsets = new List<long>();
        foreach (var file in fs.ListFiles(directory))
        {
            if (LogFileNames.TryParseSnapshot(file, out var offset))
            {
                offsets.Add(offset);
            }
        }

        offsets.Sort();
        return offsets;
    }

    private bool TryLoad(string path, ProducerStateManager state)
    {
        try
        {
            using var file = fs.Open(path, create: false);
            var bytes = new byte[file.Length];
            return file.Read(0, bytes) == bytes.Length && state.TryLoad(bytes);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
