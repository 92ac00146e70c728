using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Platform.Broker.Diagnostics;
using Platform.Broker.Handlers;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Network;

/// <summary>Routes a decoded request to the handler of its API key and turns handler failures into error responses.</summary>
public sealed partial class RequestDispatcher
{
    private readonly FrozenDictionary<ApiKey, IApiHandler> _handlers;
    private readonly LogRateLimiter _logLimiter;
    private readonly ILogger<RequestDispatcher> _logger;

    public RequestDispatcher(IEnumerable<IApiHandler> handlers, LogRateLimiter logLimiter, ILogger<RequestDispatcher> logger)
    {
        _handlers = handlers.ToFrozenDictionary(h => h.ApiKey);
        _logLimiter = logLimiter;
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
            // A failure that repeats on every request (a full disk) is logged once per interval, with a count.
            if (_logLimiter.ShouldLog($"1100:{context.ApiKey}:{e.GetType().FullName}:{e.Message}", out var suppressed))
            {
                LogHandlerFailed(e, context.ApiKey, context.ApiVersion, context.ClientId, suppressed);
            }

            return handler.ErrorResponse(context, request, ErrorCode.UnknownServerError);
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Handler for {ApiKey} v{ApiVersion} from client {ClientId} failed ({Suppressed} similar failures not logged)")]
    private partial void LogHandlerFailed(Exception exception, ApiKey apiKey, short apiVersion, string? clientId, long suppressed);
}
