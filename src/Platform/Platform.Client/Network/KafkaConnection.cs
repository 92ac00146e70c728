using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>
/// One TCP connection to one broker. Requests are pipelined: any number may be in flight, a
/// background loop reads whole response frames and matches them to their request by correlation id.
/// A lost connection or a request timeout fails every in-flight request with a
/// <see cref="KafkaException"/> and closes the connection; it is never reused after that.
/// </summary>
/// <remarks>
/// A timed-out request closes the whole connection, as Kafka's Java client does: the broker answers
/// in order, so everything sent after the stuck request is stuck behind it.
/// </remarks>
public sealed partial class KafkaConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly KafkaConnectionOptions _options;
    private readonly ConcurrentDictionary<int, PendingRequest> _pending = new();
    /// <summary>Records from this size on, when contiguous, are sent from their own memory by <see cref="Send{TResponse}"/>.</summary>
    private const int DeferRecordsFrom = 8 * 1024;

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private Task _readLoop = Task.CompletedTask;
    private KafkaException? _closeReason;
    private int _nextCorrelationId;
    private int _disposed;

    private KafkaConnection(Socket socket, BrokerAddress address, KafkaConnectionOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _options = options;
        Address = address;
        ApiVersions = ApiVersionSet.ClientDefaults(address.ToString());
    }

    /// <summary>The broker this connection talks to.</summary>
    public BrokerAddress Address { get; }

    /// <summary>The versions negotiated with the broker on connect.</summary>
    public ApiVersionSet ApiVersions { get; private set; }

    /// <summary>Whether the connection has failed or been disposed; a closed connection is not reused.</summary>
    public bool IsClosed => Volatile.Read(ref _closeReason) is not null;

    /// <summary>Why the connection closed, or null while it is open.</summary>
    public KafkaException? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Number of requests waiting for a response.</summary>
    public int InFlightCount => _pending.Count;

    /// <summary>
    /// Opens a connection, starts its read loop and (unless turned off) negotiates API versions.
    /// </summary>
    /// <exception cref="KafkaException">
    /// <see cref="ErrorCode.NetworkException"/> when the broker cannot be reached in time;
    /// <see cref="ErrorCode.UnsupportedVersion"/> when the broker and client share no ApiVersions version.
    /// </exception>
    public static async Task<KafkaConnection> ConnectAsync(
        BrokerAddress address,
        KafkaConnectionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new KafkaConnectionOptions();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (options.ReceiveBufferSize > 0)
        {
            socket.ReceiveBufferSize = options.ReceiveBufferSize;
        }
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connectTimeout.CancelAfter(options.ConnectTimeout);
            try
            {
                // An IP address connects as one, without the name resolution a host name goes through.
                if (IPAddress.TryParse(address.Host, out var ip))
                {
                    await socket.ConnectAsync(new IPEndPoint(ip, address.Port), connectTimeout.Token).ConfigureAwait(false);
                }
                else
                {
                    await socket.ConnectAsync(address.Host, address.Port, connectTimeout.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new KafkaException(new Error(
                    ErrorCode.NetworkException,
                    $"Connecting to broker {address} timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms."));
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                throw new KafkaException(new Error(ErrorCode.NetworkException, $"Could not connect to broker {address}: {ex.Message}"), ex);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        var connection = new KafkaConnection(socket, address, options);
        connection._readLoop = connection.ReadLoopAsync();
        if (options.NegotiateApiVersions)
        {
            try
            {
                connection.ApiVersions = await connection.NegotiateAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return connection;
    }

    /// <summary>Sends a request at the version negotiated for its API and awaits the response.</summary>
    /// <exception cref="KafkaException">The broker lacks the API, the request timed out or the connection failed.</exception>
    public async Task<TResponse> SendAsync<TResponse>(IRequestMessage request, CancellationToken cancellationToken = default)
        where TResponse : IResponseMessage, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var version = ApiVersions.Select(request.ApiKey);
        return await SendAsync<TResponse>(request, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request at <paramref name="version"/> and awaits the response.</summary>
    /// <exception cref="KafkaException">
    /// <see cref="ErrorCode.RequestTimedOut"/> after <c>request.timeout.ms</c>;
    /// <see cref="ErrorCode.NetworkException"/> when the connection is or becomes closed;
    /// <see cref="ErrorCode.CorruptMessage"/> when the response cannot be decoded.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<TResponse> SendAsync<TResponse>(IRequestMessage request, short version, CancellationToken cancellationToken = default)
        where TResponse : IResponseMessage, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var apiKey = request.ApiKey;
        return SendCoreAsync(request, version, (id) => new PendingRequest<TResponse>(
            apiKey, version, id, payload => FrameCodec.ReadResponse<TResponse>(payload, apiKey, version)), cancellationToken);
    }

    /// <summary>
    /// Sends a request at <paramref name="version"/> and awaits the response, decoded over a pooled
    /// buffer the caller owns: slices of it (a fetch response's records) stay valid until the
    /// returned <see cref="PooledResponse{TResponse}"/> is disposed, which returns the buffer.
    /// </summary>
    /// <exception cref="KafkaException">As <see cref="SendAsync{TResponse}(IRequestMessage, short, CancellationToken)"/>.</exception>
    public Task<PooledResponse<TResponse>> SendPooledAsync<TResponse>(IRequestMessage request, short version, CancellationToken cancellationToken = default)
        where TResponse : IResponseMessage, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var apiKey = request.ApiKey;
        return SendCoreAsync(request, version, (id) => new PendingRequest<PooledResponse<TResponse>>(
            apiKey, version, id, payload => new PooledResponse<TResponse>(FrameCodec.ReadResponse<TResponse>(payload, apiKey, version))), cancellationToken);
    }

    /// <summary>
    /// Sends a request the broker will not answer (Produce with <c>acks=0</c>). The task completes
    /// once the bytes are handed to the socket.
    /// </summary>
    /// <exception cref="KafkaException">The connection is or becomes closed.</exception>
    public async Task SendOneWayAsync(IRequestMessage request, short version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfClosed();
        var correlationId = Interlocked.Increment(ref _nextCorrelationId);
        using var frame = new KafkaWriter();
        FrameCodec.WriteRequest(frame, request, version, correlationId, _options.ClientId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            await WriteFrameAsync(frame.WrittenMemory, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw TimedOut($"{request.ApiKey} v{version} (correlation id {correlationId})");
        }
    }

    /// <summary>
    /// Sends a request whose outcome goes to <paramref name="handler"/> on the connection's read loop:
    /// no task, timer or thread-pool hop per request, for callers that send many (the producer's
    /// sender). The caller enforces <c>request.timeout.ms</c> itself, with <see cref="Abort"/>.
    /// The returned task ends once the frame is written and never faults: every failure goes to the handler.
    /// </summary>
    internal async ValueTask Send<TResponse>(IRequestMessage request, short version, IResponseHandler<TResponse> handler)
        where TResponse : IResponseMessage, new()
    {
        var correlationId = Interlocked.Increment(ref _nextCorrelationId);
        var pending = new HandledRequest<TResponse>(request.ApiKey, version, correlationId, handler);
        try
        {
            ThrowIfClosed();
            // Large records (a producer's batches) are sent from where they are, not copied into the frame.
            using var frame = new KafkaWriter(1024) { DeferRecordsFrom = DeferRecordsFrom };
            FrameCodec.WriteRequest(frame, request, version, correlationId, _options.ClientId);
            _pending[correlationId] = pending;
            if (Volatile.Read(ref _closeReason) is { } reason && _pending.TryRemove(correlationId, out _))
            {
                throw InFlightFailure(reason, pending);
            }

            if (frame.Deferred.Count == 0)
            {
                await WriteFrameAsync(frame.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await WriteGatheredAsync(frame).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Never faults: every failure, an encoding error included, is the handler's to report.
            _pending.TryRemove(correlationId, out _);
            pending.Fail(ex as KafkaException ?? new KafkaException(new Error(ErrorCode.UnknownServerError, $"Sending {pending} to broker {Address} failed: {ex.Message}"), ex));
        }
    }

    private async Task<T> SendCoreAsync<T>(
        IRequestMessage request,
        short version,
        Func<int, PendingRequest<T>> createPending,
        CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        var correlationId = Interlocked.Increment(ref _nextCorrelationId);
        var pending = createPending(correlationId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        using (var frame = new KafkaWriter())
        {
            // Encoding errors (a value this version cannot carry) surface here, before anything is sent.
            FrameCodec.WriteRequest(frame, request, version, correlationId, _options.ClientId);

            // Registered before the bytes leave, so the response cannot arrive unmatched.
            _pending[correlationId] = pending;
            if (Volatile.Read(ref _closeReason) is { } reason && _pending.TryRemove(correlationId, out _))
            {
                throw InFlightFailure(reason, pending);
            }

            try
            {
                await WriteFrameAsync(frame.WrittenMemory, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _pending.TryRemove(correlationId, out _);
                pending.Abandon();
                if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
                {
                    throw TimedOut(pending.ToString());
                }

                throw;
            }
        }

        try
        {
            return await pending.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            if (pending.Task.IsCompleted)
            {
                // The answer raced the timeout or cancellation and won.
                return await pending.Task.ConfigureAwait(false);
            }

            _pending.TryRemove(correlationId, out _);
            pending.Abandon();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            var timedOut = TimedOut(pending.ToString());
            Abort(new KafkaException(new Error(
                ErrorCode.NetworkException,
                $"Connection to broker {Address} closed because request {pending} timed out.")));
            throw timedOut;
        }
    }

    private KafkaException TimedOut(string request)
        => new(new Error(
            ErrorCode.RequestTimedOut,
            $"Request {request} to broker {Address} timed out after {_options.RequestTimeout.TotalMilliseconds:0} ms (request.timeout.ms)."));

    /// <summary>
    /// Writes a frame and its deferred records with one gathering send: contiguous records
    /// (<see cref="IContiguousRecords"/>) from their own memory, others copied. Frames never interleave.
    /// </summary>
    private async Task WriteGatheredAsync(KafkaWriter frame)
    {
        var written = frame.WrittenMemory;
        var pieces = new List<ArraySegment<byte>>((frame.Deferred.Count * 2) + 1);
        List<byte[]>? copies = null;
        var position = 0;
        foreach (var deferred in frame.Deferred)
        {
            pieces.Add(Segment(written[position..deferred.Position]));
            if (deferred.Records is IContiguousRecords contiguous && MemoryMarshal.TryGetArray(contiguous.Memory, out var records))
            {
                pieces.Add(records);
            }
            else
            {
                var size = deferred.Records.SizeInBytes;
                var copy = FrameBuffers.Rent(size);
                deferred.Records.CopyTo(copy.AsSpan(0, size));
                (copies ??= []).Add(copy);
                pieces.Add(new ArraySegment<byte>(copy, 0, size));
            }

            position = deferred.Position;
        }

        pieces.Add(Segment(written[position..]));
        await _writeLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();

            // A stream socket's gathering send returns once every byte is sent (or fails).
            await _socket.SendAsync(pieces, SocketFlags.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw WriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
            foreach (var copy in copies ?? [])
            {
                FrameBuffers.Return(copy);
            }
        }

        // The frame buffer is an array (KafkaWriter rents arrays).
        static ArraySegment<byte> Segment(ReadOnlyMemory<byte> memory)
            => MemoryMarshal.TryGetArray(memory, out var segment) ? segment : throw new InvalidOperationException("A frame buffer is an array.");
    }

    /// <summary>Writes one whole frame; frames never interleave.</summary>
    private async Task WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();

            // Not cancellable by the caller: stopping half-way would corrupt the stream. A stuck
            // write ends when a timeout aborts the connection and closes the socket under it.
            await _stream.WriteAsync(frame, _shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException
            || (ex is OperationCanceledException && _shutdown.IsCancellationRequested))
        {
            throw WriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A write failed half-way: the stream is unusable, so the connection closes and every request on it fails.</summary>
    private KafkaException WriteFailed(Exception ex)
    {
        var reason = Volatile.Read(ref _closeReason) ?? new KafkaException(
            new Error(ErrorCode.NetworkException, $"Writing to broker {Address} failed: {ex.Message}"), ex);
        Abort(reason);
        return new KafkaException(reason.Error, ex);
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closeReason) is { } reason)
        {
            throw new KafkaException(reason.Error, reason);
        }
    }

    private static KafkaException InFlightFailure(KafkaException reason, PendingRequest pending)
        => new(new Error(reason.Error.Code, $"{reason.Error.Reason} Request {pending} was in flight."), reason);

    /// <summary>Closes the connection once and fails every in-flight request with <paramref name="reason"/>.</summary>
    internal void Abort(KafkaException reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        _shutdown.Cancel();
        _socket.Dispose();
        foreach (var correlationId in _pending.Keys)
        {
            if (_pending.TryRemove(correlationId, out var pending))
            {
                pending.Fail(InFlightFailure(reason, pending));
            }
        }
    }

    /// <summary>Closes the connection; requests still in flight fail with <see cref="ErrorCode.NetworkException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort(new KafkaException(new Error(ErrorCode.NetworkException, $"Connection to broker {Address} was closed by the client.")));
        await _readLoop.ConfigureAwait(false);
        // The semaphore and token source are left to the GC: a sender racing with disposal may still touch them.
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
