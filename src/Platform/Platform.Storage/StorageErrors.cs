namespace Platform.Storage;

/// <summary>
/// Tells the I/O errors apart that the broker answers differently: a full disk or running out of file
/// descriptors stops it, a bad partition only takes itself offline.
/// </summary>
public static class StorageErrors
{
    // ENOSPC on Linux and macOS; ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL as HRESULTs on Windows.
    private const int Enospc = 28;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    // EMFILE (this process's open-file limit) and ENFILE (the system's) on Linux and macOS.
    private const int Emfile = 24;
    private const int Enfile = 23;

    /// <summary>True if <paramref name="exception"/> or one it wraps says the disk is full.</summary>
    public static bool IsDiskFull(Exception exception)
        => HasIoError(exception, e => e.HResult is Enospc or WindowsDiskFull or WindowsHandleDiskFull, "No space left on device");

    /// <summary>True if <paramref name="exception"/> or one it wraps says the process (or system) has no file descriptor left.</summary>
    public static bool IsOutOfFileDescriptors(Exception exception)
        => HasIoError(exception, e => e.HResult is Emfile or Enfile, "Too many open files");

    /// <summary>Whether an <see cref="IOException"/> in the chain carries one of the codes, or the system's message for them.</summary>
    private static bool HasIoError(Exception exception, Func<IOException, bool> code, string message)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException io && (code(io) || io.Message.Contains(message, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The innermost message: the one that names the file and the system's reason.</summary>
    public static string Describe(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }
}
