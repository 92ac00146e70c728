using Platform.Client;

namespace Platform.Streams.Errors;

/// <summary>Fails on every undeliverable record (Kafka's default).</summary>
public sealed class DefaultProductionExceptionHandler : IProductionExceptionHandler
{
    /// <inheritdoc/>
    public ProductionExceptionHandlerResponse Handle(ErrorHandlerContext? context, string topic, byte[]? key, byte[]? value, Error error)
        => ProductionExceptionHandlerResponse.Fail;
}
