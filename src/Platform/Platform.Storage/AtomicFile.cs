namespace Platform.Storage;

/// <summary>
/// Replaces a small file (a checkpoint, a snapshot, the topic metadata) so that a crash or power loss leaves
/// either the old content or the new, never a mix: a <c>.tmp</c> file, fsync, rename over the old one, then
/// an fsync of the directory, without which the rename itself (the new name) may be lost.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/>. If writing or renaming fails the old
    /// file stands and the temp file is removed (an empty <c>.tmp</c> left by a full disk would only confuse
    /// whoever looks); if only the directory fsync fails, the new file is in place but may not survive a power loss.
    /// </summary>
    public static void Write(IStorageFileSystem fs, string path, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(fs);
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

        fs.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
