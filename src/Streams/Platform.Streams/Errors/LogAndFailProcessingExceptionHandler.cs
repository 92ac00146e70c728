using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Streams.Errors;

/// <summary>Logs where a processor threw and fails the task (the default).</summary>
public sealed partial class LogAndFailProcessingExceptionHandler : IProcessingExceptionHandler
{
    private readonly ILogger _logger;

    /// <summary>A handler that logs to <paramref name="logger"/> (null: nowhere).</summary>
    public LogAndFailProcessingExceptionHandler(ILogger? logger = null) => _logger = logger ?? NullLogger.Instance;

    /// <inheritdoc/>
    public ProcessingHandlerResponse Handle(ErrorHandlerContext context, object? key, object? value, Exception exception)
    {
        LogFailing(_logger, exception, context.ProcessorNodeId, context.TaskId.ToString(), context.Topic, context.Partition, context.Offset);
        return ProcessingHandlerResponse.Fail;
    }

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Processor {Processor} of task {TaskId} failed on the record from {Topic}-{Partition}@{Offset}; failing")]
    private static partial void LogFailing(ILogger logger, Exception exception, string processor, string taskId, string topic, int partition, long offset);
}
