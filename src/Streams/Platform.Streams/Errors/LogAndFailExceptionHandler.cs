using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Client;

namespace Platform.Streams.Errors;

/// <summary>Logs the poison record's coordinates and fails the task (Kafka's default).</summary>
public sealed partial class LogAndFailExceptionHandler : IDeserializationExceptionHandler
{
    private readonly ILogger _logger;

    /// <summary>A handler that logs to <paramref name="logger"/> (null: nowhere).</summary>
    public LogAndFailExceptionHandler(ILogger? logger = null) => _logger = logger ?? NullLogger.Instance;

    /// <inheritdoc/>
    public DeserializationHandlerResponse Handle(ErrorHandlerContext context, ConsumeResult<byte[]?, byte[]?> record, Exception exception)
    {
        LogFailing(_logger, exception, context.TaskId.ToString(), context.Topic, context.Partition, context.Offset);
        return DeserializationHandlerResponse.Fail;
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Error, Message = "Task {TaskId} cannot deserialize the record at {Topic}-{Partition}@{Offset}; failing")]
    private static partial void LogFailing(ILogger logger, Exception exception, string taskId, string topic, int partition, long offset);
}
