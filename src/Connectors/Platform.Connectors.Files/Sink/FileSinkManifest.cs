using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Files.Sink;

/// <summary>One committed file: the manifest entry that makes it part of the output.</summary>
internal sealed record ManifestEntry(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("temporary")] string Temporary,
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("startOffset")] long StartOffset,
    [property: JsonPropertyName("endOffset")] long EndOffset,
    [property: JsonPropertyName("records")] long Records,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("committedAt")] DateTimeOffset CommittedAt);

/// <summary>
/// The <c>_manifest</c> directory: one JSON entry per committed file, named after it. An entry is written to a
/// <c>.tmp</c> name, flushed to disk and renamed, so it exists whole or not at all; its existence is what commits
/// the file and its offsets.
/// </summary>
internal sealed class FileSinkManifest(string root)
{
    private const string EntrySuffix = ".json";

    public string Directory { get; } = Path.Combine(root, "_manifest");

    /// <summary>The committed entries of <paramref name="partition"/>, deleting torn entry writes on the way.</summary>
    public List<ManifestEntry> Read(TopicPartitionRef partition)
    {
        var prefix = FileSinkNames.Prefix(partition);
        var entries = new List<ManifestEntry>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, prefix + "*"))
        {
            if (!path.EndsWith(EntrySuffix, StringComparison.Ordinal))
            {
                File.Delete(path);
                continue;
            }

            entries.Add(JsonSerializer.Deserialize(File.ReadAllBytes(path), FilesJson.Default.ManifestEntry)
                ?? throw new Platform.Connect.ConnectException($"Manifest entry '{path}' is empty."));
        }

        return entries;
    }

    /// <summary>Adds <paramref name="entry"/>: from now on its file is committed, also across a power loss.</summary>
    public void Commit(ManifestEntry entry)
    {
        var path = Path.Combine(Directory, entry.File + EntrySuffix);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, entry, FilesJson.Default.ManifestEntry);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: false);
        Platform.IO.DirectorySync.SyncParentOf(path);
    }
}
