using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Platform.Broker.Diagnostics;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;

namespace Platform.Broker.Network;

/// <summary>
/// One client's TCP connection. Frames (<c>int32 size + payload</c>) are read whole by a
/// <see cref="FrameReader"/>, then decoded synchronously. Requests are handled one at a time and
/// answered in order, as Kafka does; a malformed frame closes this connection and nothing else.
/// The <see cref="SocketServer"/> closes a connection that is idle too long or whose frame stops
/// arriving halfway, or whose client left while a request was in progress (<see cref="CheckTimeouts"/>).
/// </summary>
internal sealed partial class ClientConnection
{
    /// <summary>Records this large are sent from their source in pieces instead of being copied into the response buffer.</summary>
    private const int DeferRecordsFrom = 32 * 1024;

    /// <summary>How much of a record slice is read and sent at a time.</summary>
    private const int RecordsChunkBytes = 256 * 1024;

    private const int ResponseBufferBytes = 64 * 1024;

    /// <summary>A response buffer grown past this by one large response is swapped for a small one after it is sent.</summary>
    private const int ResponseBufferRetainBytes = 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly RequestDispatcher _dispatcher;
    private readonly Handlers.ApiVersionsHandler _apiVersions;
    private readonly LogRateLimiter _logLimiter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KafkaWriter _response = new(ResponseBufferBytes) { DeferRecordsFrom = DeferRecordsFrom };
    private readonly EndPoint? _remote;
    private readonly CancellationTokenSource _lifetime;
    private long _lastSent;
    private volatile bool _busy;
    private RequestContext? _current;
    private volatile string? _abortReason;

    public ClientConnection(long id, Socket socket, ConnectionServices services, CancellationToken stopping)
    {
        Id = id;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _dispatcher = services.Dispatcher;
        _apiVersions = services.ApiVersions;
        _logLimiter = services.LogLimiter;
        _time = services.Time;
        _logger = services.Logger;
        _remote = socket.RemoteEndPoint;
        RemoteAddress = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        _reader = new FrameReader(_stream, services.Budget, services.Options.SocketRequestMaxBytes, _time);
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _lastSent = _time.GetTimestamp();
    }

    public long Id { get; }

    /// <summary>What the connection is doing, for diagnostics: the request in progress, or how long it has been quiet.</summary>
    public string Describe(long now)
        => _current is { } current
            ? $"connection {Id} from {_remote}: handling or answering {current.ApiKey} v{current.ApiVersion} (correlation id {current.CorrelationId})"
            : $"connection {Id} from {_remote}: {_reader.State}{(_abortReason is { } reason ? " (closing: " + reason + ")" : "")}, last byte {_time.GetElapsedTime(Math.Max(_reader.LastReceived, Volatile.Read(ref _lastSent)), now).TotalMilliseconds:F0} ms ago, frame started {(_reader.FrameStarted == 0 ? "-" : _time.GetElapsedTime(_reader.FrameStarted, now).TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " ms ago")}, waiting for memory {_reader.WaitingForMemory}";

    /// <summary>The client's address, as counted against max.connections.per.ip.</summary>
    public IPAddress RemoteAddress { get; }

    public async Task RunAsync()
    {
        var cancellationToken = _lifetime.Token;
        try
        {
            while (true)
            {
                var frame = await _reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                if (frame is not { } request)
                {
                    if (_reader.BytesLeftAtEnd > 0)
                    {
                        LogTruncatedFrame(Id, _remote, _reader.BytesLeftAtEnd);
                    }

                    return;
                }

                bool keepOpen;
                _busy = true;
                try
                {
                    keepOpen = await HandleAsync(request.Payload, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _reader.Release(request);
                    _busy = false;
                }

                if (!keepOpen)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (_abortReason is { } reason && e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            if (_logLimiter.ShouldLog($"1004:{reason}", out var suppressed))
            {
                LogAborted(Id, _remote, reason, suppressed);
            }
        }
        catch (ProtocolException e)
        {
            if (_logLimiter.ShouldLog($"1000:{RemoteAddress}", out var suppressed))
            {
                LogBadFrame(Id, _remote, e.Message, suppressed);
            }
        }
        catch (EndOfStreamException)
        {
            LogTruncatedFrame(Id, _remote, _reader.BytesLeftAtEnd);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            LogConnectionError(Id, _remote, e.Message);
        }
        catch (StorageException e)
        {
            // A segment read failed while its records were being sent: the frame is cut, so the connection goes.
            if (_logLimiter.ShouldLog($"1005:{e.Message}", out var suppressed))
            {
                LogResponseFailed(Id, _remote, e.Message, suppressed);
            }
        }
        finally
        {
            _reader.Dispose();
            _response.Dispose();
            await _stream.DisposeAsync().ConfigureAwait(false);
            _lifetime.Dispose();
        }
    }

    /// <summary>
    /// Closes the connection when it has been idle (nothing read or sent, no request in progress)
    /// longer than <paramref name="maxIdle"/>, or when a frame has been arriving longer than
    /// <paramref name="maxFrameTime"/>. Called periodically by the server.
    /// </summary>
    public void CheckTimeouts(long now, long maxIdle, long maxFrameTime, string idleKey, string frameKey)
    {
        if (_abortReason is not null || _reader.WaitingForMemory)
        {
            return;
        }

        if (_busy)
        {
            // A request in progress (a long-poll Fetch, a JoinGroup) does not read the socket, so a client
            // that went away would hold the connection until the request ends, which may be never.
            if (PeerClosed())
            {
                Abort("the client closed the connection during a request");
            }

            return;
        }

        var frameStarted = _reader.FrameStarted;
        if (frameStarted != 0 && now - frameStarted > maxFrameTime)
        {
            Abort($"a request frame did not arrive whole within {frameKey}");
            return;
        }

        var lastActive = Math.Max(_reader.LastReceived, Volatile.Read(ref _lastSent));
        if (now - lastActive > maxIdle)
        {
            Abort($"idle for longer than {idleKey}");
        }

    }

    /// <summary>Readable with nothing to read means the peer's FIN (or a reset) has arrived.</summary>
    private bool PeerClosed()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return false;
        }
    }

    private void Abort(string reason)
    {
        _abortReason = reason;
        try
        {
            _lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended on its own meanwhile.
        }

        // Closing the socket as well ends a pending read or write even where cancelling it does not take.
        _socket.Dispose();
    }

    private async ValueTask<bool> HandleAsync(Memory<byte> frame, CancellationToken cancellationToken)
    {
        switch (Decode(frame, out var context, out var handler, out var request))
        {
            case DecodeOutcome.UnsupportedApiVersions:
                // KIP-511: a too-new ApiVersions gets UNSUPPORTED_VERSION in a v0 body listing our ranges.
                await SendAsync(context.CorrelationId, ApiKey.ApiVersions, 0, _apiVersions.UnsupportedVersionResponse(), cancellationToken).ConfigureAwait(false);
                return true;
            case DecodeOutcome.Unsupported:
                if (_logLimiter.ShouldLog($"1001:{RemoteAddress}", out var suppressed))
                {
                    LogUnsupported(Id, _remote, (short)context.ApiKey, context.ApiVersion, context.ClientId, suppressed);
                }

                return false;
        }

        _current = context;
        var response = await _dispatcher.DispatchAsync(handler!, context, request!, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            await SendAsync(context.CorrelationId, context.ApiKey, context.ApiVersion, response, cancellationToken).ConfigureAwait(false);
        }

        _current = null;

        return true;
    }

    private enum DecodeOutcome
    {
        Request,
        UnsupportedApiVersions,
        Unsupported,
    }

    private DecodeOutcome Decode(Memory<byte> frame, out RequestContext context, out Handlers.IApiHandler? handler, out IRequestMessage? request)
    {
        var reader = new KafkaReader(frame);
        var apiKey = (ApiKey)reader.ReadInt16();
        var apiVersion = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString(compact: false);
        context = new RequestContext
        {
            ApiKey = apiKey,
            ApiVersion = apiVersion,
            CorrelationId = correlationId,
            ClientId = clientId,
            RemoteEndPoint = _remote,
            ConnectionId = Id,
        };
        request = null;
        handler = null;

        if (apiKey == ApiKey.ApiVersions && !_apiVersions.IsSupported(apiVersion))
        {
            return DecodeOutcome.UnsupportedApiVersions;
        }

        if (!_dispatcher.TryGetHandler(apiKey, out var found) || apiVersion < found.MinVersion || apiVersion > found.MaxVersion)
        {
            return DecodeOutcome.Unsupported;
        }

        if (ApiHeaders.RequestHeaderVersion(apiKey, apiVersion) >= 2)
        {
            reader.SkipTaggedFields();
        }

        handler = found;
        request = found.CreateRequest();
        request.Read(ref reader, apiVersion);
        return DecodeOutcome.Request;
    }

    private async ValueTask SendAsync(int correlationId, ApiKey apiKey, short apiVersion, IResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var sizePosition = _response.ReserveInt32();
            _response.WriteInt32(correlationId);
            if (ApiHeaders.ResponseHeaderVersion(apiKey, apiVersion) >= 1)
            {
                _response.WriteUnsignedVarInt(0);
            }

            response.Write(_response, apiVersion);
            // fetch.max.bytes keeps a response far below 2 GiB; checked all the same.
            _response.PatchInt32(sizePosition, checked((int)(_response.TotalLength - 4)));
            var written = _response.WrittenMemory;
            var position = 0;
            foreach (var deferred in _response.Deferred)
            {
                await WriteAsync(written[position..deferred.Position], cancellationToken).ConfigureAwait(false);
                await WriteRecordsAsync(deferred.Records, cancellationToken).ConfigureAwait(false);
                position = deferred.Position;
            }

            await WriteAsync(written[position..], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _response.ResetAndShrink(ResponseBufferRetainBytes, ResponseBufferBytes);
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastSent, _time.GetTimestamp());
    }

    /// <summary>Sends records through a bounded buffer, one positional read per piece, instead of holding them all at once.</summary>
    private async ValueTask WriteRecordsAsync(Records records, CancellationToken cancellationToken)
    {
        var size = records.SizeInBytes;
        var chunk = FrameBuffers.Rent(Math.Min(size, RecordsChunkBytes));
        try
        {
            for (var offset = 0; offset < size;)
            {
                var count = Math.Min(chunk.Length, size - offset);
                records.CopyTo(offset, chunk.AsSpan(0, count));
                await WriteAsync(chunk.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                offset += count;
            }
        }
        finally
        {
            FrameBuffers.Return(chunk);
        }
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: {Reason} ({Suppressed} similar lines left out)")]
    private partial void LogBadFrame(long connectionId, EndPoint? remote, string reason, long suppressed);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: unsupported API key {ApiKey} version {ApiVersion} (client {ClientId}; {Suppressed} similar lines left out)")]
    private partial void LogUnsupported(long connectionId, EndPoint? remote, short apiKey, short apiVersion, string? clientId, long suppressed);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} closed mid-frame with {Bytes} bytes unread")]
    private partial void LogTruncatedFrame(long connectionId, EndPoint? remote, long bytes);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} ended: {Reason}")]
    private partial void LogConnectionError(long connectionId, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Closing connection {ConnectionId} from {Remote}: {Reason} ({Suppressed} similar lines left out)")]
    private partial void LogAborted(long connectionId, EndPoint? remote, string reason, long suppressed);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: its response could not be read from the log: {Reason} ({Suppressed} similar lines left out)")]
    private partial void LogResponseFailed(long connectionId, EndPoint? remote, string reason, long suppressed);
}
