using System.Runtime.InteropServices;
using System.Text;

namespace Platform.Storage;

/// <summary>
/// The POSIX calls .NET does not offer: <see cref="File.OpenHandle"/> refuses directories, yet a rename is
/// durable only once its directory is fsynced.
/// </summary>
internal static class NativeMethods
{
    private const int ReadOnly = 0;

    /// <summary>Opens the directory read-only, fsyncs it and closes it; throws an <see cref="IOException"/> naming it on failure.</summary>
    public static void FsyncDirectory(string path)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        var fd = Open(name, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Could not open directory '{path}' to fsync it (errno {Marshal.GetLastPInvokeError()}).", Marshal.GetLastPInvokeError());
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fsync of directory '{path}' failed (errno {errno}).", errno);
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
