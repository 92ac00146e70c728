using System.Globalization;
using System.Text;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// Which leader epoch wrote which offsets (KIP-101): the start offset of every epoch in the log, kept in
/// Kafka's <c>leader-epoch-checkpoint</c> text file (version line, count line, <c>epoch startOffset</c>
/// lines). A new epoch is written to the file (atomically, fsynced) before its first batch is appended,
/// so the file is never behind the log; entries past the log end (a cut tail) are dropped at load. A log
/// without the file (written before it existed) rebuilds it from its batches' epochs.
/// Not thread-safe for writes: the log calls it under its append lock; reads take a snapshot.
/// </summary>
internal sealed class LeaderEpochCache
{
    public const string FileName = "leader-epoch-checkpoint";

    private const int HeaderScanBufferSize = 64 * 1024;

    private readonly IStorageFileSystem _fs;
    private readonly string _path;
    private volatile (int Epoch, long StartOffset)[] _entries = [];

    public LeaderEpochCache(IStorageFileSystem fs, string directory)
    {
        _fs = fs;
        _path = Path.Combine(directory, FileName);
    }

    /// <summary>The newest epoch, or -1 for a log that never had a batch.</summary>
    public int LatestEpoch => _entries is { Length: > 0 } e ? e[^1].Epoch : -1;

    public IReadOnlyList<(int Epoch, long StartOffset)> Entries => _entries;

    /// <summary>Reads the checkpoint, or rebuilds it from the batches of <paramref name="segments"/>; then drops entries at or past <paramref name="logEndOffset"/>.</summary>
    public void Load(IReadOnlyList<LogSegment> segments, long logEndOffset)
    {
        if (TryRead() is { } entries)
        {
            _entries = entries;
            TruncateFromEnd(logEndOffset);
            return;
        }

        var rebuilt = new List<(int, long)>();
        var latest = -1;
        foreach (var segment in segments)
        {
            using var scanner = new BatchScanner(segment.File, 0, segment.Size, HeaderScanBufferSize);
            while (scanner.Next(wholeBatch: false) == ScanStatus.Batch)
            {
                var epoch = RecordBatchHeader.PartitionLeaderEpoch(scanner.Current);
                if (epoch > latest)
                {
                    rebuilt.Add((epoch, RecordBatchHeader.BaseOffset(scanner.Current)));
                    latest = epoch;
                }
            }
        }

        _entries = [.. rebuilt];
        Write();
    }

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/> if it is newer than the
    /// latest; an older or equal epoch changes nothing. Written through before the caller appends.
    /// </summary>
    public void Assign(int epoch, long startOffset)
    {
        var entries = _entries;
        if (epoch < 0 || (entries.Length > 0 && (epoch <= entries[^1].Epoch || startOffset < entries[^1].StartOffset)))
        {
            return;
        }

        _entries = [.. entries, (epoch, startOffset)];
        Write();
    }

    /// <summary>The log was cut at <paramref name="endOffset"/>: epochs starting there or later are gone.</summary>
    public void TruncateFromEnd(long endOffset)
    {
        var entries = _entries;
        var keep = entries.Length;
        while (keep > 0 && entries[keep - 1].StartOffset >= endOffset)
        {
            keep--;
        }

        if (keep != entries.Length)
        {
            _entries = entries[..keep];
            Write();
        }
    }

    /// <summary>
    /// OffsetForLeaderEpoch (Kafka's endOffsetFor): the largest epoch at or below <paramref name="requestedEpoch"/>
    /// and the offset where the next epoch starts (the log end for the latest epoch); (-1, -1) when the
    /// requested epoch is newer than any here, (requested, first start offset) when older than all.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        var entries = _entries;
        if (requestedEpoch < 0 || entries.Length == 0)
        {
            return (-1, -1);
        }

        if (requestedEpoch == entries[^1].Epoch)
        {
            return (requestedEpoch, logEndOffset);
        }

        var higher = Array.FindIndex(entries, e => e.Epoch > requestedEpoch);
        if (higher < 0)
        {
            return (-1, -1);
        }

        return higher == 0 ? (requestedEpoch, entries[0].StartOffset) : (entries[higher - 1].Epoch, entries[higher].StartOffset);
    }

    private void Write()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"0\n{_entries.Length}\n");
        foreach (var (epoch, start) in _entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"{epoch} {start}\n");
        }

        AtomicFile.Write(_fs, _path, Encoding.UTF8.GetBytes(text.ToString()));
    }

    private (int, long)[]? TryRead()
    {
        if (!_fs.FileExists(_path))
        {
            return null;
        }

        using var file = _fs.Open(_path, create: false);
        var bytes = new byte[(int)Math.Min(file.Length, 16 * 1024 * 1024)];
        var lines = Encoding.UTF8.GetString(bytes, 0, file.Read(0, bytes)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2 || lines[0] != "0" || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || lines.Length != count + 2)
        {
            return null;
        }

        var entries = new (int, long)[count];
        for (var i = 0; i < count; i++)
        {
            var fields = lines[i + 2].Split(' ');
            if (fields.Length != 2
                || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                return null;
            }

            entries[i] = (epoch, start);
        }

        return entries;
    }
}
