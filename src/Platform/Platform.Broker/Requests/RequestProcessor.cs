using System.Collections.Frozen;
using System.Net;
using Microsoft.Extensions.Logging;
using Platform.Broker.Diagnostics;
using Platform.Broker.Handlers;
using Platform.Broker.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;

namespace Platform.Broker.Requests;

/// <summary>
/// Everything between a request frame and its answer: decodes the request header, answers an
/// ApiVersions newer than ours as KIP-511 says, closes a connection that asks for an API or version
/// we do not serve, hands the request to the handler of its API key (a handler failure becomes an
/// error response; only a request the handler finds malformed, a <see cref="ProtocolException"/>,
/// closes the connection) and writes the response frame. The body is decoded
/// synchronously from the whole frame; record data stays a slice of it.
/// </summary>
public sealed partial class RequestProcessor : IRequestProcessor
{
    private readonly FrozenDictionary<ApiKey, IApiHandler> _handlers;
    private readonly ApiVersionsHandler _apiVersions;
    private readonly LogRateLimiter _logLimiter;
    private readonly ILogger<RequestProcessor> _logger;

    public RequestProcessor(IEnumerable<IApiHandler> handlers, ApiVersionsHandler apiVersions, LogRateLimiter logLimiter, ILogger<RequestProcessor> logger)
    {
        _handlers = handlers.ToFrozenDictionary(h => h.ApiKey);
        _apiVersions = apiVersions;
        _logLimiter = logLimiter;
        _logger = logger;
    }

    public async ValueTask<bool> ProcessAsync(IClientConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken = default)
    {
        var reader = new KafkaReader(frame);
        var context = ReadHeader(ref reader, connection);
        if (context.ApiKey == ApiKey.ApiVersions && !_apiVersions.IsSupported(context.ApiVersion))
        {
            // KIP-511: a too-new ApiVersions gets UNSUPPORTED_VERSION in a v0 body listing our ranges.
            return await SendAsync(connection, context.CorrelationId, ApiKey.ApiVersions, 0, _apiVersions.UnsupportedVersionResponse(), cancellationToken).ConfigureAwait(false);
        }

        if (!_handlers.TryGetValue(context.ApiKey, out var handler) || context.ApiVersion < handler.MinVersion || context.ApiVersion > handler.MaxVersion)
        {
            if (_logLimiter.ShouldLog($"1001:{(connection.RemoteEndPoint as IPEndPoint)?.Address}", out var suppressed))
            {
                LogUnsupported(connection.Id, connection.RemoteEndPoint, (short)context.ApiKey, context.ApiVersion, context.ClientId, suppressed);
            }

            return false;
        }

        if (ApiHeaders.RequestHeaderVersion(context.ApiKey, context.ApiVersion) >= 2)
        {
            reader.SkipTaggedFields();
        }

        var request = handler.CreateRequest();
        request.Read(ref reader, context.ApiVersion);

        // A request that is not pipelined sees the effects of every earlier one, answered or not.
        var earlier = connection.EarlierAnswers;
        if (!handler.Pipelined && !earlier.IsCompleted && !await earlier.ConfigureAwait(false))
        {
            return false;
        }

        connection.InProgress = context;
        try
        {
            var handling = HandleAsync(handler, context, request, cancellationToken);
            if (handler.Pipelined && !(handling.IsCompleted && earlier.IsCompleted))
            {
                // Its ordered work is done; the rest is waiting, which the next requests need not do.
                var pending = handling.AsTask();
                connection.AnswerLater(pending, (written, nextReady) => AnswerAfterAsync(connection, context, pending, written, nextReady, cancellationToken));
                return true;
            }

            var response = await handling.ConfigureAwait(false);
            return response is null
                || await SendAsync(connection, context.CorrelationId, context.ApiKey, context.ApiVersion, response, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connection.InProgress = null;
        }
    }

    private async Task<bool> AnswerAfterAsync(IClientConnection connection, RequestContext context, Task<IResponseMessage?> handling, Task<bool> earlierWritten, Func<bool> nextReady, CancellationToken cancellationToken)
    {
        var response = await handling.ConfigureAwait(false);
        if (!await earlierWritten.ConfigureAwait(false))
        {
            return false;
        }

        // Asked once the earlier answers are written: answers one fsync round completed go out in one send.
        var flush = !nextReady();
        if (response is null)
        {
            // An acks=0 Produce: frames held back for this answer go now, unless another answer follows at once.
            if (flush)
            {
                await connection.Output.FlushHeldAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        return await SendAsync(connection, context.CorrelationId, context.ApiKey, context.ApiVersion, response, cancellationToken, flush).ConfigureAwait(false);
    }

    private static RequestContext ReadHeader(ref KafkaReader reader, IClientConnection connection)
        => new()
        {
            ApiKey = (ApiKey)reader.ReadInt16(),
            ApiVersion = reader.ReadInt16(),
            CorrelationId = reader.ReadInt32(),
            ClientId = reader.ReadNullableString(compact: false),
            RemoteEndPoint = connection.RemoteEndPoint,
            ConnectionId = connection.Id,
        };

    private async ValueTask<IResponseMessage?> HandleAsync(IApiHandler handler, RequestContext context, IRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await handler.HandleAsync(context, request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not ProtocolException)
        {
            // A failure that repeats on every request (a full disk) is logged once per interval, with a count.
            if (_logLimiter.ShouldLog($"1100:{context.ApiKey}:{e.GetType().FullName}:{e.Message}", out var suppressed))
            {
                LogHandlerFailed(e, context.ApiKey, context.ApiVersion, context.ClientId, suppressed);
            }

            return handler.ErrorResponse(context, request, ErrorCode.UnknownServerError);
        }
    }

    /// <summary>Writes the response frame; false (close the connection) when its records could not be read from the log.</summary>
    private async ValueTask<bool> SendAsync(IClientConnection connection, int correlationId, ApiKey apiKey, short apiVersion, IResponseMessage response, CancellationToken cancellationToken, bool flush = true)
    {
        var writer = connection.Output.Begin();
        writer.WriteInt32(correlationId);
        if (ApiHeaders.ResponseHeaderVersion(apiKey, apiVersion) >= 1)
        {
            writer.WriteUnsignedVarInt(0);
        }

        response.Write(writer, apiVersion);
        try
        {
            await connection.Output.SendAsync(flush, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageException e)
        {
            // A segment read failed while its records were being sent: the frame is cut, so the connection goes.
            if (_logLimiter.ShouldLog($"1005:{e.Message}", out var suppressed))
            {
                LogResponseFailed(connection.Id, connection.RemoteEndPoint, e.Message, suppressed);
            }

            return false;
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: unsupported API key {ApiKey} version {ApiVersion} (client {ClientId}; {Suppressed} similar lines left out)")]
    private partial void LogUnsupported(long connectionId, EndPoint? remote, short apiKey, short apiVersion, string? clientId, long suppressed);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: its response could not be read from the log: {Reason} ({Suppressed} similar lines left out)")]
    private partial void LogResponseFailed(long connectionId, EndPoint? remote, string reason, long suppressed);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Handler for {ApiKey} v{ApiVersion} from client {ClientId} failed ({Suppressed} similar failures not logged)")]
    private partial void LogHandlerFailed(Exception exception, ApiKey apiKey, short apiVersion, string? clientId, long suppressed);
}
