namespace Platform.Connectors.Files.IO;

/// <summary>
/// Finds which of some files a process on this machine holds open for writing, by reading <c>/proc/*/fd</c>
/// and the access mode in <c>/proc/*/fdinfo</c> (Linux; processes of other users are invisible without
/// privileges, and other systems report nothing). A spooling directory uses it so a file that is still being
/// written is not taken, whatever its modification time says.
/// </summary>
internal static class OpenForWriteProbe
{
    private const int AccessModeMask = 3; // O_ACCMODE: 0 is O_RDONLY, 1 O_WRONLY, 2 O_RDWR.

    /// <summary>The subset of <paramref name="paths"/> (full paths) open for writing somewhere.</summary>
    public static HashSet<string> OpenForWriting(IReadOnlyCollection<string> paths)
    {
        var open = new HashSet<string>(StringComparer.Ordinal);
        if (!OperatingSystem.IsLinux() || paths.Count == 0 || !Directory.Exists("/proc"))
        {
            return open;
        }

        var wanted = new HashSet<string>(paths, StringComparer.Ordinal);
        foreach (var processDir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(processDir);
            if (pid.Length == 0 || !char.IsAsciiDigit(pid[0]))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(processDir, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && wanted.Contains(target) && IsWritable(Path.Combine(processDir, "fdinfo", Path.GetFileName(fd))))
                    {
                        open.Add(target);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended or is not ours to look at: nothing to learn from it.
            }
        }

        return open;
    }

    private static bool IsWritable(string fdInfoPath)
    {
        foreach (var line in File.ReadLines(fdInfoPath))
        {
            if (line.StartsWith("flags:", StringComparison.Ordinal))
            {
                var flags = Convert.ToInt32(line["flags:".Length..].Trim(), 8);
                return (flags & AccessModeMask) != 0;
            }
        }

        return false;
    }
}
