using System.Globalization;

namespace Platform.Streams.State;

/// <summary>The changelog topic configs of window and session stores: compacted and deleted after the store's retention, as Kafka creates them.</summary>
internal static class WindowedChangelogConfig
{
    public static Dictionary<string, string> For(long retentionMs) => new(StringComparer.Ordinal)
    {
        ["cleanup.policy"] = "compact,delete",
        ["retention.ms"] = retentionMs.ToString(CultureInfo.InvariantCulture),
    };
}
