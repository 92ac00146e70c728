using System.Runtime.InteropServices;
using System.Text;

namespace Platform.IO;

/// <summary>
/// fsyncs a directory, which .NET does not offer (<see cref="File.OpenHandle"/> refuses directories): a file renamed
/// over another, or created, is durable only once its directory is, else a power loss may bring the old file back.
/// One source file compiled into the assemblies that rename files (Storage, Streams, Connectors.Files), which share
/// no lower project where file-system code belongs.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;

    /// <summary>fsyncs the directory holding <paramref name="file"/>.</summary>
    /// <exception cref="IOException">The directory could not be opened or fsynced; the message names it.</exception>
    public static void SyncParentOf(string file) => Sync(Path.GetDirectoryName(Path.GetFullPath(file))!);

    /// <summary>fsyncs <paramref name="directory"/>; a no-op where directories cannot be opened (Windows, whose renames are durable with the file's metadata).</summary>
    /// <exception cref="IOException">The directory could not be opened or fsynced; the message names it.</exception>
    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(Encoding.UTF8.GetBytes(directory + "\0"), ReadOnly);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new IOException($"Could not open directory '{directory}' to fsync it (errno {error}).", error);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                throw new IOException($"fsync of directory '{directory}' failed (errno {error}).", error);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
