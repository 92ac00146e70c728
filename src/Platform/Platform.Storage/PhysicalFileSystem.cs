using Microsoft.Win32.SafeHandles;

namespace Platform.Storage;

/// <summary>The real file system: <see cref="RandomAccess"/> over a <see cref="SafeFileHandle"/>.</summary>
public sealed class PhysicalFileSystem : IStorageFileSystem
{
    public static readonly PhysicalFileSystem Instance = new();

    public ISegmentFile Open(string path, bool create) => new PhysicalSegmentFile(path, create ? FileMode.OpenOrCreate : FileMode.Open);

    public bool FileExists(string path) => File.Exists(path);

    public void DeleteFile(string path) => File.Delete(path);

    public void RenameFile(string source, string destination) => File.Move(source, destination, overwrite: true);

    public IReadOnlyList<string> ListFiles(string directory) => Directory.GetFiles(directory);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public void RenameDirectory(string source, string destination) => Directory.Move(source, destination);

    public void DeleteDirectory(string path) => Directory.Delete(path, recursive: true);

    public IReadOnlyList<string> ListDirectories(string directory) => Directory.GetDirectories(directory);

    public void SyncDirectory(string path)
    {
        // Windows makes renames durable with the file's metadata and has no directory handle to flush.
        if (!OperatingSystem.IsWindows())
        {
            NativeMethods.FsyncDirectory(path);
        }
    }
}

/// <summary>
/// A file opened once for the segment's life. Reads are <c>pread</c>s, so any number of readers share the
/// handle without a lock or a seek; appends are <c>pwrite</c>s at the tracked end (one syscall each).
/// Shared with delete so a segment renamed or deleted under open readers stays readable (and works on Windows).
/// </summary>
internal sealed class PhysicalSegmentFile : ISegmentFile
{
    private readonly SafeFileHandle _handle;
    private long _length;

    public PhysicalSegmentFile(string path, FileMode mode)
    {
        _handle = File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        _length = RandomAccess.GetLength(_handle);
    }

    public long Length => Volatile.Read(ref _length);

    public int Read(long position, Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = RandomAccess.Read(_handle, destination[total..], position + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        RandomAccess.Write(_handle, data, _length);
        Volatile.Write(ref _length, _length + data.Length);
    }

    public void Flush() => RandomAccess.FlushToDisk(_handle);

    public void Truncate(long length)
    {
        RandomAccess.SetLength(_handle, length);
        Volatile.Write(ref _length, length);
    }

    public void Dispose() => _handle.Dispose();
}
