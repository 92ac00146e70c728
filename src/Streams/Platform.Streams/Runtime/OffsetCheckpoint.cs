using System.Globalization;
using System.Text;
using Platform.Client;

namespace Platform.Streams.Runtime;

/// <summary>
/// A task's <c>.checkpoint</c> file: the changelog offset up to which its persistent stores hold data,
/// in Kafka Streams' text layout (a version line <c>0</c>, a count line, then <c>topic partition offset</c>
/// lines), so a restart replays only the changelog past it. Written to a temporary file, flushed to disk
/// and renamed over the old one, so a crash leaves either the old or the new checkpoint, never half of one.
/// </summary>
internal sealed class OffsetCheckpoint
{
    /// <summary>The file name in a task's directory.</summary>
    public const string FileName = ".checkpoint";

    private const int Version = 0;

    /// <summary>A checkpoint file at <paramref name="path"/>.</summary>
    public OffsetCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FilePath = path;
    }

    /// <summary>The file's path.</summary>
    public string FilePath { get; }

    /// <summary>Replaces the file with <paramref name="offsets"/>.</summary>
    public void Write(IReadOnlyDictionary<TopicPartition, long> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        var text = new StringBuilder();
        text.Append(Version).Append('\n').Append(offsets.Count).Append('\n');
        foreach (var (partition, offset) in offsets.OrderBy(o => o.Key.Topic, StringComparer.Ordinal).ThenBy(o => o.Key.Partition))
        {
            text.Append(partition.Topic).Append(' ').Append(partition.Partition).Append(' ').Append(offset).Append('\n');
        }

        var temporary = FilePath + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, FilePath, overwrite: true);
        Platform.IO.DirectorySync.SyncParentOf(FilePath);
    }

    /// <summary>The offsets in the file; empty when there is no file.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of a known version; the message names it.</exception>
    public Dictionary<TopicPartition, long> Read()
    {
        var result = new Dictionary<TopicPartition, long>();
        if (!File.Exists(FilePath))
        {
            return result;
        }

        var lines = File.ReadAllLines(FilePath, Encoding.UTF8);
        if (lines.Length < 2 || lines[0].Trim() != "0")
        {
            throw new InvalidDataException($"Checkpoint file '{FilePath}' has an unknown version or is truncated.");
        }

        if (!int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || lines.Length < count + 2)
        {
            throw new InvalidDataException($"Checkpoint file '{FilePath}' announces {lines[1]} entries but holds {lines.Length - 2}.");
        }

        for (var i = 2; i < count + 2; i++)
        {
            var parts = lines[i].Split(' ');
            if (parts.Length != 3
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
            {
                throw new InvalidDataException($"Checkpoint file '{FilePath}' line {i + 1} is not 'topic partition offset': '{lines[i]}'.");
            }

            result[new TopicPartition(parts[0], partition)] = offset;
        }

        return result;
    }

    /// <summary>Removes the file (under exactly-once it is removed once read, so a crash leaves no stale checkpoint).</summary>
    public void Delete()
    {
        File.Delete(FilePath);
    }
}
