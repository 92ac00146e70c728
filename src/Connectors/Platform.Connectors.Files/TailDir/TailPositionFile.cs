using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Connectors.Files.TailDir;

/// <summary>One file's entry in the position file.</summary>
internal sealed record TailPosition(
    [property: JsonPropertyName("inode")] string? Inode,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("position")] long Position,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("fingerprintLength")] int FingerprintLength);

/// <summary>
/// The position file: a JSON array of <see cref="TailPosition"/>, replaced atomically (written to a temporary
/// file, flushed to disk, renamed over the old one) so a crash leaves the old or the new, never a torn file.
/// </summary>
internal static class TailPositionFile
{
    /// <summary>The entries, or none when the file does not exist yet.</summary>
    /// <exception cref="Platform.Connect.ConnectException">The file exists but is not a position file.</exception>
    public static List<TailPosition> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), FilesJson.Default.ListTailPosition) ?? [];
        }
        catch (JsonException e)
        {
            throw new Platform.Connect.ConnectException($"position.file '{path}' is not a valid position file: {e.Message}", e);
        }
    }

    /// <summary>Replaces the file with <paramref name="positions"/>.</summary>
    public static void Write(string path, List<TailPosition> positions)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, positions, FilesJson.Default.ListTailPosition);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        Platform.IO.DirectorySync.SyncParentOf(path);
    }
}
