using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// The producer state snapshots of one partition directory: <c>&lt;offset&gt;.snapshot</c>, the state as
/// of that offset, written atomically (temp file, fsync, rename) at each roll and at a clean close; the
/// newest two are kept. At open the newest usable one is loaded and the log replays the batches after it.
/// </summary>
internal sealed class ProducerSnapshots(IStorageFileSystem fs, string directory, ILogger logger)
{
    private const int Kept = 2;

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
    public long LoadNewest(ProducerStateManager state, long logEndOffset)
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
