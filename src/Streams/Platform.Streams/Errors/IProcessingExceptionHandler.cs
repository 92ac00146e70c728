namespace Platform.Streams.Errors;

/// <summary>
/// Decides about records a processor throws on (<c>processing.exception.handler</c>): the built-ins are
/// <see cref="LogAndFailProcessingExceptionHandler"/> (the default) and <see cref="LogAndContinueProcessingExceptionHandler"/>.
/// </summary>
public interface IProcessingExceptionHandler
{
    /// <summary>Decides about the record (<paramref name="key"/>, <paramref name="value"/>) that failed with <paramref name="exception"/>.</summary>
    ProcessingHandlerResponse Handle(ErrorHandlerContext context, object? key, object? value, Exception exception);
}
