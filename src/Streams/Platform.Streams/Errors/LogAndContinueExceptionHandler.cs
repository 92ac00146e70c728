using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Client;

namespace Platform.Streams.Errors;

/// <summary>Logs the poison record's coordinates and skips it.</summary>
public sealed partial class LogAndContinueExceptionHandler : IDeserializationExceptionHandler
{
    private readonly ILogger _logger;

    /// <summary>A handler that logs to <paramref name="logger"/> (null: nowhere).</summary>
    public LogAndContinueExceptionHandler(ILogger? logger = null) => _logger = logger ?? NullLogger.Instance;

    /// <inheritdoc/>
    public DeserializationHandlerResponse Handle(ErrorHandlerContext context, ConsumeResult<byte[]?, byte[]?> record, Exception exception)
    {
        LogSkipping(_logger, exception, context.TaskId.ToString(), context.Topic, context.Partition, context.Offset);
        return DeserializationHandlerResponse.Continue;
    }

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Task {TaskId} skips the record at {Topic}-{Partition}@{Offset}: it cannot be deserialized")]
    private static partial void LogSkipping(ILogger logger, Exception exception, string taskId, string topic, int partition, long offset);
}
