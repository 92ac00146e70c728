using System.Globalization;
using System.Text;

namespace Platform.Storage;

/// <summary>
/// Kafka's offset checkpoint text format (version line, count line, then <c>topic partition offset</c>
/// lines), written atomically: a <c>.tmp</c> file, fsync, rename over the old one.
/// The partition keeps its own files (one entry each) rather than Kafka's one file per log directory,
/// so a <see cref="PartitionLog"/> opens and recovers on its own; the cost is a file per partition.
/// </summary>
internal static class OffsetCheckpointFile
{
    private const int Version = 0;

    public static void Write(IStorageFileSystem fs, string path, string topic, int partition, long offset)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{Version}\n1\n{topic} {partition} {offset}\n");
        WriteAtomically(fs, path, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/>: a <c>.tmp</c> file, fsync, rename.
    /// On failure the old file stands and the temp file is removed (an empty <c>.tmp</c> left by a full
    /// disk would only confuse whoever looks).
    /// </summary>
    public static void WriteAtomically(IStorageFileSystem fs, string path, ReadOnlySpan<byte> content)
    {
        var tmp = path + ".tmp";
        try
        {
            using (var file = fs.Open(tmp, create: true))
            {
                file.Truncate(0);
                file.Append(content);
                file.Flush();
            }

            fs.RenameFile(tmp, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                if (fs.FileExists(tmp))
                {
                    fs.DeleteFile(tmp);
                }
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The disk refuses even this; the start-up removes leftover .tmp files.
            }

            throw;
        }
    }

    /// <summary>The checkpointed offset, or null if the file is missing or unreadable (then recovery starts from the beginning).</summary>
    public static long? Read(IStorageFileSystem fs, string path)
    {
        if (!fs.FileExists(path))
        {
            return null;
        }

        using var file = fs.Open(path, create: false);
        var bytes = new byte[(int)Math.Min(file.Length, 64 * 1024)];
        var text = Encoding.UTF8.GetString(bytes, 0, file.Read(0, bytes));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 3 || lines[0] != "0" || lines[1] != "1")
        {
            return null;
        }

        var fields = lines[2].Split(' ');
        return fields.Length == 3 && long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : null;
    }
}
