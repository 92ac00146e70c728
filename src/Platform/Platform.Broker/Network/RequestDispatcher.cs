using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Platform.Broker.Handlers;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Network;

/// <summary>Routes a decoded request to the handler of its API key and turns handler failures into error responses.</summary>
public sealed partial class RequestDispatcher
{
    private readonly FrozenDictionary<ApiKey, IApiHandler> _handlers;
    private readonly ILogger<RequestDispatcher> _logger;

    public RequestDispatcher(IEnumerable<IApiHandler> handlers, ILogger<RequestDispatcher> logger)
    {
        _handlers = handlers.ToFrozenDictionary(h => h.ApiKey);
        _logger = logger;
    }

    /// <summary>Every served API with its version range, as ApiVersions reports them.</summary>
    public IEnumerable<IApiHandler> Handlers => _handlers.Values.OrderBy(h => h.ApiKey);

    public bool TryGetHandler(ApiKey key, out IApiHandler handler) => _handlers.TryGetValue(key, out handler!);

    public async ValueTask<IResponseMessage?> DispatchAsync(IApiHandler handler, RequestContext context, IRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await handler.HandleAsync(context, request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            LogHandlerFailed(e, context.ApiKey, context.ApiVersion, context.ClientId);
            return handler.ErrorResponse(context, request, ErrorCode.UnknownServerError);
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Handler for {ApiKey} v{ApiVersion} from client {ClientId} failed")]
    private partial void LogHandlerFailed(Exception exception, ApiKey apiKey, short apiVersion, string? clientId);
}
