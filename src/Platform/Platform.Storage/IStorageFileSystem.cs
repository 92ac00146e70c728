namespace Platform.Storage;

/// <summary>The file-system operations storage needs, so tests can fail them on purpose.</summary>
public interface IStorageFileSystem
{
    /// <summary>Opens a file for reading and appending, creating it if <paramref name="create"/> is set.</summary>
    ISegmentFile Open(string path, bool create);

    bool FileExists(string path);

    void DeleteFile(string path);

    /// <summary>Renames a file, replacing the destination (atomic on POSIX); open handles stay valid.</summary>
    void RenameFile(string source, string destination);

    IReadOnlyList<string> ListFiles(string directory);

    bool DirectoryExists(string path);

    void CreateDirectory(string path);

    void RenameDirectory(string source, string destination);

    void DeleteDirectory(string path);

    IReadOnlyList<string> ListDirectories(string directory);

    /// <summary>
    /// fsyncs a directory, so the names created, renamed or deleted in it survive a power loss (a no-op where
    /// the system has no such call).
    /// </summary>
    void SyncDirectory(string path);
}
