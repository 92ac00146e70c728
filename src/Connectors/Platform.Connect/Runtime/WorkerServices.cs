using Microsoft.Extensions.Logging;
using Platform.Connect.Metrics;
using Platform.Connect.Plugins;
using Platform.Connect.Storage;

namespace Platform.Connect.Runtime;

/// <summary>What a worker shares with the connectors and tasks it runs.</summary>
internal sealed class WorkerServices
{
    public required WorkerOptions Options { get; init; }

    public required PluginRegistry Plugins { get; init; }

    public required OffsetBackingStore Offsets { get; init; }

    public required ConnectMetrics Metrics { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>Reports a connector's (task null) or task's status; null removes it.</summary>
    public required Func<string, int?, string, Exception?, Task> ReportStatus { get; init; }
}
