using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Network;

/// <summary>
/// One client's TCP connection. Frames (<c>int32 size + payload</c>) are awaited whole from a
/// <see cref="PipeReader"/>, then decoded synchronously. Requests are handled one at a time and
/// answered in order, as Kafka does; a malformed frame closes this connection and nothing else.
/// </summary>
internal sealed partial class ClientConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly RequestDispatcher _dispatcher;
    private readonly Handlers.ApiVersionsHandler _apiVersions;
    private readonly int _maxFrameBytes;
    private readonly ILogger _logger;
    private readonly KafkaWriter _response = new(64 * 1024);
    private readonly EndPoint? _remote;

    public ClientConnection(long id, Socket socket, RequestDispatcher dispatcher, Handlers.ApiVersionsHandler apiVersions, int maxFrameBytes, ILogger logger)
    {
        Id = id;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _dispatcher = dispatcher;
        _apiVersions = apiVersions;
        _maxFrameBytes = maxFrameBytes;
        _logger = logger;
        _remote = socket.RemoteEndPoint;
    }

    public long Id { get; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryTakeFrame(ref buffer, out var frame))
                {
                    if (!await ProcessFrameAsync(frame, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        LogTruncatedFrame(Id, _remote, buffer.Length);
                    }

                    return;
                }
            }
        }
        catch (ProtocolException e)
        {
            LogBadFrame(Id, _remote, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            LogConnectionError(Id, _remote, e.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            _response.Dispose();
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes one whole frame off the buffer, or returns false when more bytes are needed.</summary>
    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> sizeBytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(sizeBytes);
        var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size < 8 || size > _maxFrameBytes)
        {
            throw new ProtocolException($"Frame size {size} is outside 8..{_maxFrameBytes} (socket.request.max.bytes).");
        }

        if (buffer.Length < 4L + size)
        {
            return false;
        }

        frame = buffer.Slice(4, size);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    /// <summary>Decodes, handles and answers one request. Returns false when the connection must close.</summary>
    private async ValueTask<bool> ProcessFrameAsync(ReadOnlySequence<byte> frame, CancellationToken cancellationToken)
    {
        // The pipe's memory stays valid until AdvanceTo, which comes after the request is handled, so a
        // single-segment frame is used in place; only a frame split across segments is copied.
        byte[]? rented = null;
        Memory<byte> memory;
        if (frame.IsSingleSegment)
        {
            memory = MemoryMarshal.AsMemory(frame.First);
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
            frame.CopyTo(rented);
            memory = rented.AsMemory(0, (int)frame.Length);
        }

        try
        {
            return await HandleAsync(memory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
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
                LogUnsupported(Id, _remote, (short)context.ApiKey, context.ApiVersion, context.ClientId);
                return false;
        }

        var response = await _dispatcher.DispatchAsync(handler!, context, request!, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            await SendAsync(context.CorrelationId, context.ApiKey, context.ApiVersion, response, cancellationToken).ConfigureAwait(false);
        }

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
        _response.Reset();
        var sizePosition = _response.ReserveInt32();
        _response.WriteInt32(correlationId);
        if (ApiHeaders.ResponseHeaderVersion(apiKey, apiVersion) >= 1)
        {
            _response.WriteUnsignedVarInt(0);
        }

        response.Write(_response, apiVersion);
        _response.PatchInt32(sizePosition, _response.Length - 4);
        await _stream.WriteAsync(_response.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: {Reason}")]
    private partial void LogBadFrame(long connectionId, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: unsupported API key {ApiKey} version {ApiVersion} (client {ClientId})")]
    private partial void LogUnsupported(long connectionId, EndPoint? remote, short apiKey, short apiVersion, string? clientId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Connection {ConnectionId} from {Remote} closed mid-frame with {Bytes} bytes unread")]
    private partial void LogTruncatedFrame(long connectionId, EndPoint? remote, long bytes);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} ended: {Reason}")]
    private partial void LogConnectionError(long connectionId, EndPoint? remote, string reason);
}
