using System.Globalization;

namespace Platform.Storage;

/// <summary>Kafka's on-disk names: <c>00000000000000000042.log</c>, <c>.index</c>, <c>.timeindex</c>, <c>.txnindex</c> and the suffixes of segments in flight.</summary>
internal static class LogFileNames
{
    public const string LogExtension = ".log";
    public const string IndexExtension = ".index";
    public const string TimeIndexExtension = ".timeindex";

    /// <summary>Aborted transactions of a segment; only segments with an ABORT marker have one.</summary>
    public const string TxnIndexExtension = ".txnindex";

    /// <summary>A producer state snapshot, named by the offset it was taken at (not a segment file).</summary>
    public const string SnapshotExtension = ".snapshot";

    /// <summary>A removed segment waiting for file.delete.delay.ms before its files go.</summary>
    public const string DeletedSuffix = ".deleted";

    /// <summary>A segment the cleaner is writing; discarded if found at start-up.</summary>
    public const string CleanedSuffix = ".cleaned";

    /// <summary>A cleaned segment ready to replace the originals; completed if found at start-up.</summary>
    public const string SwapSuffix = ".swap";

    public const string RecoveryPointCheckpoint = "recovery-point-offset-checkpoint";
    public const string LogStartOffsetCheckpoint = "log-start-offset-checkpoint";
    public const string CleanerCheckpoint = "cleaner-offset-checkpoint";

    /// <summary>In the data directory: the high watermark of every replica (Kafka's, written every replica.high.watermark.checkpoint.interval.ms).</summary>
    public const string ReplicationOffsetCheckpoint = "replication-offset-checkpoint";

    public static string Path(string directory, long baseOffset, string extension, string suffix = "")
        => System.IO.Path.Combine(directory, baseOffset.ToString("D20", CultureInfo.InvariantCulture) + extension + suffix);

    /// <summary>Parses <c>&lt;20 digits&gt;.snapshot</c>; false for any other file.</summary>
    public static bool TryParseSnapshot(string path, out long offset)
    {
        var name = System.IO.Path.GetFileName(path);
        offset = -1;
        return name.Length == 20 + SnapshotExtension.Length
            && name.EndsWith(SnapshotExtension, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }

    /// <summary>Parses <c>&lt;20 digits&gt;.ext[suffix]</c>; false for any other file.</summary>
    public static bool TryParse(string path, out long baseOffset, out string extension, out string suffix)
    {
        var name = System.IO.Path.GetFileName(path);
        baseOffset = -1;
        extension = suffix = "";
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot != 20 || !long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset))
        {
            return false;
        }

        var rest = name[dot..];
        foreach (var ext in (ReadOnlySpan<string>)[TimeIndexExtension, TxnIndexExtension, IndexExtension, LogExtension])
        {
            if (rest.StartsWith(ext, StringComparison.Ordinal))
            {
                extension = ext;
                suffix = rest[ext.Length..];
                return suffix is "" or DeletedSuffix or CleanedSuffix or SwapSuffix;
            }
        }

        return false;
    }
}
