using Platform.Client;

namespace Platform.Streams.Errors;

/// <summary>Drops undeliverable records (the runtime logs each with its topic and error) and goes on.</summary>
public sealed class LogAndContinueProductionExceptionHandler : IProductionExceptionHandler
{
    /// <inheritdoc/>
    public ProductionExceptionHandlerResponse Handle(ErrorHandlerContext? context, string topic, byte[]? key, byte[]? value, Error error)
        => ProductionExceptionHandlerResponse.Continue;
}
