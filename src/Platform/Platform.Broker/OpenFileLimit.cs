using System.Globalization;

namespace Platform.Broker;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE) against what the broker will hold: segment files (up to
/// max.open.segment.files), the active segments' indexes, connections and a margin. Read from
/// <c>/proc/self/limits</c> and <c>/proc/self/fd</c>, so only on Linux; elsewhere there is nothing to check.
/// </summary>
internal static class OpenFileLimit
{
    /// <summary>Connections the start-up estimate allows for.</summary>
    public const int ConnectionAllowance = 1024;

    /// <summary>
    /// Descriptors connections may never take: the runtime needs a few to start a thread (a thread pool
    /// thread that cannot start aborts the whole process with "Out of memory."), one per assembly loaded on
    /// first use, and the logs need them to roll segments.
    /// </summary>
    public const int Headroom = 64;

    /// <summary>Descriptors of the runtime, listener, checkpoints and metadata files.</summary>
    private const int Margin = 128;

    /// <summary>The soft limit, or null if it cannot be read or is unlimited.</summary>
    public static long? Read(string path = "/proc/self/limits")
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }

        return null;
    }

    /// <summary>Descriptors needed: every segment's log up to the handle cache's size, two indexes per partition's active segment, connections, margin.</summary>
    public static long Needed(long segments, int partitions, int maxOpenSegmentFiles)
        => (maxOpenSegmentFiles > 0 ? Math.Min(segments, maxOpenSegmentFiles) : segments) + (2L * partitions) + ConnectionAllowance + Margin;

    /// <summary>Descriptors the process holds now, or null where <c>/proc/self/fd</c> does not exist.</summary>
    public static int? InUse(string path = "/proc/self/fd")
        => System.IO.Directory.Exists(path) ? System.IO.Directory.EnumerateFileSystemEntries(path).Count() : null;

    /// <summary>
    /// How many connections the open-file limit leaves room for, given the descriptors held now and the
    /// <see cref="Headroom"/>; at least one, so a misconfigured host still serves.
    /// </summary>
    public static int ConnectionCap(long limit, int inUse) => (int)Math.Clamp(limit - inUse - Headroom, 1, int.MaxValue);
}
