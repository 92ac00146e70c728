using Microsoft.Extensions.Logging;

namespace Platform.Connect.Runtime;

/// <summary>The runtime's log messages; event ids 7000-7099.</summary>
internal static partial class ConnectLog
{
    [LoggerMessage(7000, LogLevel.Warning, "Reading {Topic} failed; retrying")]
    public static partial void LogReadFailed(this ILogger logger, Exception exception, string topic);

    [LoggerMessage(7001, LogLevel.Information, "Worker {WorkerId} joined group generation {Generation} as {Rank} of {Count} workers")]
    public static partial void LogAssignment(this ILogger logger, string workerId, int generation, int rank, int count);

    [LoggerMessage(7002, LogLevel.Information, "Starting connector {Connector}")]
    public static partial void LogStartingConnector(this ILogger logger, string connector);

    [LoggerMessage(7003, LogLevel.Information, "Stopping connector {Connector}")]
    public static partial void LogStoppingConnector(this ILogger logger, string connector);

    [LoggerMessage(7004, LogLevel.Information, "Starting task {Connector}-{Task}")]
    public static partial void LogStartingTask(this ILogger logger, string connector, int task);

    [LoggerMessage(7005, LogLevel.Information, "Stopping task {Connector}-{Task}")]
    public static partial void LogStoppingTask(this ILogger logger, string connector, int task);

    [LoggerMessage(7006, LogLevel.Error, "Connector {Connector} failed")]
    public static partial void LogConnectorFailed(this ILogger logger, Exception exception, string connector);

    [LoggerMessage(7007, LogLevel.Error, "Task {Connector}-{Task} failed")]
    public static partial void LogTaskFailed(this ILogger logger, Exception exception, string connector, int task);

    [LoggerMessage(7008, LogLevel.Warning, "Task {Connector}-{Task}: retriable failure in {Stage}, retrying in {Delay}")]
    public static partial void LogRetrying(this ILogger logger, Exception exception, string connector, int task, string stage, TimeSpan delay);

    [LoggerMessage(7009, LogLevel.Error, "Error encountered in task {Connector}-{Task} at stage {Stage} ({Location}); tolerated")]
    public static partial void LogToleratedError(this ILogger logger, Exception exception, string connector, int task, string stage, string location);

    [LoggerMessage(7010, LogLevel.Error, "Config file {File} is invalid: {Problem}")]
    public static partial void LogInvalidConfigFile(this ILogger logger, string file, string problem);

    [LoggerMessage(7011, LogLevel.Information, "Config file {File}: connector {Connector} {Action}")]
    public static partial void LogConfigFileApplied(this ILogger logger, string file, string connector, string action);

    [LoggerMessage(7012, LogLevel.Warning, "Group membership of worker {WorkerId} failed; rejoining")]
    public static partial void LogMembershipFailed(this ILogger logger, Exception exception, string workerId);

    [LoggerMessage(7013, LogLevel.Warning, "Reconciling connectors and tasks failed; retrying")]
    public static partial void LogReconcileFailed(this ILogger logger, Exception exception);

    [LoggerMessage(7014, LogLevel.Information, "Connect REST API listening on {Address}")]
    public static partial void LogRestListening(this ILogger logger, string address);

    [LoggerMessage(7015, LogLevel.Warning, "Committing offsets of task {Connector}-{Task} failed")]
    public static partial void LogCommitFailed(this ILogger logger, Exception exception, string connector, int task);
}
