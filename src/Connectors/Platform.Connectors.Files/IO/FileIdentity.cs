using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Platform.Connectors.Files.IO;

/// <summary>
/// Who a file is, independent of its name: the device and inode (Linux, through <c>statx</c>) and a fingerprint,
/// the hash of its first bytes. The inode follows a file across renames; the fingerprint tells a reused inode
/// (a file deleted and another created) or a file truncated and rewritten from the one seen before.
/// </summary>
internal static class FileIdentity
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;

    /// <summary>"device:inode" of the open file, or null where the platform has no inodes.</summary>
    public static string? Inode(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = new byte[256];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxIno, buffer) == 0 ? Format(buffer) : null;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>"device:inode" of the file at <paramref name="path"/>, or null (no such file, or no inodes here).</summary>
    public static string? Inode(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = new byte[256];
        return Statx(AtFdCwd, path, 0, StatxIno, buffer) == 0 ? Format(buffer) : null;
    }

    /// <summary>
    /// The hex SHA-256 of the file's first <paramref name="length"/> bytes; fewer when the file is shorter, and
    /// <paramref name="covered"/> says how many were hashed.
    /// </summary>
    public static string Fingerprint(SafeFileHandle handle, int length, out int covered)
    {
        var buffer = new byte[length];
        covered = 0;
        while (covered < length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(covered), covered);
            if (read == 0)
            {
                break;
            }

            covered += read;
        }

        return Convert.ToHexString(SHA256.HashData(buffer.AsSpan(0, covered)));
    }

    // struct statx: stx_ino is a u64 at byte 32, stx_dev_major/minor are u32s at bytes 136 and 140.
    private static string Format(byte[] statx)
        => $"{BitConverter.ToUInt32(statx, 136)}.{BitConverter.ToUInt32(statx, 140)}:{BitConverter.ToUInt64(statx, 32)}";

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
