using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Platform.Storage;

/// <summary>
/// The POSIX calls .NET does not offer: it has no <c>O_DIRECT</c> and no <c>fdatasync</c> (directory fsync is <see cref="Platform.IO.DirectorySync"/>).
/// </summary>
internal static class NativeMethods
{
    private const int ReadWrite = 2;
    private const int CloseOnExec = 0x80000;

    // What open(2) answers where the file system has no direct I/O (tmpfs and others: EINVAL; some FUSE ones: EOPNOTSUPP).
    private const int Einval = 22;
    private const int Eopnotsupp = 95;

    /// <summary>
    /// Opens <paramref name="path"/> (which exists; <paramref name="name"/> is what errors call it) read-write with <c>O_DIRECT</c>: writes go from the caller's
    /// buffer to the device without page-cache pages. Null where that is not offered (not Linux, or a file
    /// system without direct I/O such as tmpfs), so the caller keeps buffered writes. Any other failure (out of file
    /// descriptors, say) is passing, not a property of the file: it is thrown as an <see cref="IOException"/> carrying
    /// errno as its HResult, so direct I/O is not given up for the file's life over it.
    /// </summary>
    public static SafeFileHandle? OpenDirect(string path, string name)
    {
        // O_DIRECT's value differs by architecture (asm-generic on arm64 and the others).
        var direct = !OperatingSystem.IsLinux() ? 0
            : RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 0x4000
            : RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000
            : 0;
        if (direct == 0)
        {
            return null;
        }

        var fd = Open(Encoding.UTF8.GetBytes(path + "\0"), ReadWrite | CloseOnExec | direct);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is Einval or Eopnotsupp ? null : throw new IOException($"Could not open '{name}' for direct I/O (errno {errno}).", errno);
    }

    /// <summary>
    /// Makes the file's data, and the metadata needed to read it back (its size, its blocks), durable: <c>fdatasync</c>
    /// on Linux, where an fsync would also write the inode for the modification time every write changes, even when the
    /// data overwrote blocks the file already had (see <see cref="DirectAppendTail.TryBeginReserve"/>);
    /// elsewhere what .NET offers (<c>fsync</c>, <c>FlushFileBuffers</c>).
    /// </summary>
    public static void SyncData(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (FdataSync((int)handle.DangerousGetHandle()) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fdatasync failed (errno {errno}).", errno);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int FdataSync(int fd);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags);
}
