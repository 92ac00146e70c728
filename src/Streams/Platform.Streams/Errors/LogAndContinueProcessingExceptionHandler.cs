using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Streams.Errors;

/// <summary>Logs where a processor threw and drops the record there.</summary>
public sealed partial class LogAndContinueProcessingExceptionHandler : IProcessingExceptionHandler
{
    private readonly ILogger _logger;

    /// <summary>A handler that logs to <paramref name="logger"/> (null: nowhere).</summary>
    public LogAndContinueProcessingExceptionHandler(ILogger? logger = null) => _logger = logger ?? NullLogger.Instance;

    /// <inheritdoc/>
    public ProcessingHandlerResponse Handle(ErrorHandlerContext context, object? key, object? value, Exception exception)
    {
        LogSkipping(_logger, exception, context.ProcessorNodeId, context.TaskId.ToString(), context.Topic, context.Partition, context.Offset);
        return ProcessingHandlerResponse.Continue;
    }

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Processor {Processor} of task {TaskId} failed on the record from {Topic}-{Partition}@{Offset}; dropping it")]
    private static partial void LogSkipping(ILogger logger, Exception exception, string processor, string taskId, string topic, int partition, long offset);
}
