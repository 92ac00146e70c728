using Platform.Client;

namespace Platform.Streams.Errors;

/// <summary>
/// Decides about output records the producer failed to deliver (<c>default.production.exception.handler</c>):
/// <see cref="DefaultProductionExceptionHandler"/> fails (the default, as in Kafka),
/// <see cref="LogAndContinueProductionExceptionHandler"/> drops the record. Errors that mean the thread lost its
/// tasks (a fenced producer) never reach it.
/// </summary>
public interface IProductionExceptionHandler
{
    /// <summary>Decides about <paramref name="topic"/>'s record (serialized <paramref name="key"/> and <paramref name="value"/>) that failed with <paramref name="error"/>.</summary>
    ProductionExceptionHandlerResponse Handle(ErrorHandlerContext? context, string topic, byte[]? key, byte[]? value, Error error);
}
