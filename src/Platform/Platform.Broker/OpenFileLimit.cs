using System.Globalization;

namespace Platform.Broker;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE) against what the broker will hold: segment files (up to
/// max.open.segment.files), the active segments' indexes, connections and a margin. Read from
/// <c>/proc/self/limits</c>, so only on Linux; elsewhere there is nothing to check.
/// </summary>
internal static class OpenFileLimit
{
    /// <summary>Connections the estimate allows for (the broker does not cap them yet).</summary>
    public const int ConnectionAllowance = 1024;

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
}
