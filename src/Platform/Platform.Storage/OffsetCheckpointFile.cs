using System.Globalization;
using System.Text;

namespace Platform.Storage;

/// <summary>
/// Kafka's offset checkpoint text format (version line, count line, then <c>topic partition offset</c>
/// lines), written atomically (<see cref="AtomicFile"/>). A partition keeps its own recovery-point,
/// log-start and cleaner checkpoints (one entry each) rather than Kafka's one file per log directory, so a
/// <see cref="PartitionLog"/> opens and recovers on its own; the data directory's
/// <c>replication-offset-checkpoint</c> holds one entry per replica, as Kafka's does.
/// </summary>
internal static class OffsetCheckpointFile
{
    private const int Version = 0;

    public static void Write(IStorageFileSystem fs, string path, string topic, int partition, long offset)
        => WriteAll(fs, path, [((topic, partition), offset)]);

    public static void WriteAll(IStorageFileSystem fs, string path, IReadOnlyCollection<((string Topic, int Partition) Key, long Offset)> entries)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Version}\n{entries.Count}\n");
        foreach (var ((topic, partition), offset) in entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"{topic} {partition} {offset}\n");
        }

        AtomicFile.Write(fs, path, Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>The checkpointed offset, or null if the file is missing or unreadable (then recovery starts from the beginning).</summary>
    public static long? Read(IStorageFileSystem fs, string path)
        => ReadAll(fs, path) is [var entry] ? entry.Offset : null;

    /// <summary>Every entry of the file; empty if it is missing or unreadable.</summary>
    public static List<((string Topic, int Partition) Key, long Offset)> ReadAll(IStorageFileSystem fs, string path)
    {
        var entries = new List<((string, int), long)>();
        if (!fs.FileExists(path))
        {
            return entries;
        }

        using var file = fs.Open(path, create: false);
        var bytes = new byte[(int)Math.Min(file.Length, 64 * 1024 * 1024)];
        var text = Encoding.UTF8.GetString(bytes, 0, file.Read(0, bytes));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2 || lines[0] != "0" || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || lines.Length != count + 2)
        {
            return entries;
        }

        foreach (var line in lines.AsSpan(2))
        {
            var fields = line.Split(' ');
            if (fields.Length != 3
                || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
            {
                return [];
            }

            entries.Add(((fields[0], partition), offset));
        }

        return entries;
    }
}
