using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Platform.Broker.Diagnostics;
using Platform.Protocol;

namespace Platform.Broker.Network;

/// <summary>
/// One client's TCP connection. Frames (<c>int32 size + payload</c>) are read whole by a
/// <see cref="FrameReader"/> and handed, one at a time, to the <see cref="IRequestProcessor"/>, which
/// answers through <see cref="Output"/>: requests are answered in order, as Kafka does. The connection
/// knows frames, not APIs; a malformed frame closes this connection and nothing else. A request the
/// processor finishes later (<see cref="AnswerLater"/>) lets the connection read on, up to
/// <see cref="MaxAnswersPending"/> answers outstanding.
/// The <see cref="SocketServer"/> closes a connection that is idle too long or whose frame stops
/// arriving halfway, or whose client left while a request was in progress (<see cref="CheckTimeouts"/>).
/// </summary>
internal sealed partial class ClientConnection : IClientConnection
{
    /// <summary>
    /// Requests answered later that a connection may have outstanding before it stops reading. Above a
    /// producer's five in flight, so that many commits of an asynchronously committing consumer share an fsync.
    /// </summary>
    internal const int MaxAnswersPending = 64;

    private static readonly Task<bool> NoneOutstanding = Task.FromResult(true);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly IRequestProcessor _processor;
    private readonly LogRateLimiter _logLimiter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime;
    // The number of the request being handled (counted from 1), 0 between requests: the socket is read only then.
    private long _busyRequest;
    private long _requests;
    private volatile object? _inProgress;
    private volatile string? _abortReason;
    private Task<bool> _answers = NoneOutstanding;
    private PendingAnswer? _lastAnswer;
    private int _answersPending;

    public ClientConnection(long id, Socket socket, ConnectionServices services, CancellationToken stopping)
    {
        Id = id;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _processor = services.Processor;
        _logLimiter = services.LogLimiter;
        _time = services.Time;
        _logger = services.Logger;
        RemoteEndPoint = socket.RemoteEndPoint;
        RemoteAddress = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        _reader = new FrameReader(_stream, services.Budget, services.Options.SocketRequestMaxBytes, _time);
        Output = new FrameWriter(_stream, _time);
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public long Id { get; }

    public EndPoint? RemoteEndPoint { get; }

    public FrameWriter Output { get; }

    public object? InProgress
    {
        set => _inProgress = value;
    }

    public Task<bool> EarlierAnswers => _answers;

    /// <summary>Called by the processor on the connection's loop, so <see cref="_answers"/> and <see cref="_lastAnswer"/> have one writer.</summary>
    public void AnswerLater(Task handling, Func<Task<bool>, Func<bool>, Task<bool>> answer)
    {
        Interlocked.Increment(ref _answersPending);
        var pending = new PendingAnswer(handling);
        // Linked before this answer starts: whoever sees it as next may count on it to write (it waits only for
        // the earlier answers), and a node linked after an answer looked is simply not seen.
        _lastAnswer?.Next = pending;
        _lastAnswer = pending;
        var written = answer(_answers, pending.NextReady);
        _answers = written;
        written.ContinueWith(static (done, state) => ((ClientConnection)state!).Answered(done), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Answered(Task<bool> written)
    {
        Interlocked.Decrement(ref _answersPending);
        if (!written.IsCompletedSuccessfully || !written.Result)
        {
            // Its send failed or cut the frame: what follows it cannot be answered in order.
            Abort("an answer could not be written");
        }
    }

    /// <summary>What the connection is doing, for diagnostics: the request in progress, or how long it has been quiet.</summary>
    public string Describe(long now)
        => _inProgress is { } request
            ? $"connection {Id} from {RemoteEndPoint}: handling or answering {request}"
            : $"connection {Id} from {RemoteEndPoint}: {_reader.State}{(_abortReason is { } reason ? " (closing: " + reason + ")" : "")}, last byte {_time.GetElapsedTime(Math.Max(_reader.LastReceived, Output.LastSent), now).TotalMilliseconds:F0} ms ago, frame started {(_reader.FrameStarted == 0 ? "-" : _time.GetElapsedTime(_reader.FrameStarted, now).TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " ms ago")}, waiting for memory {_reader.WaitingForMemory}";

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
                        LogTruncatedFrame(Id, RemoteEndPoint, _reader.BytesLeftAtEnd);
                    }

                    return;
                }

                bool keepOpen;
                Volatile.Write(ref _busyRequest, ++_requests);
                try
                {
                    keepOpen = await _processor.ProcessAsync(this, request.Payload, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _reader.Release(request);
                    Volatile.Write(ref _busyRequest, 0);
                }

                if (!keepOpen)
                {
                    return;
                }

                if (Volatile.Read(ref _answersPending) >= MaxAnswersPending)
                {
                    await _answers.ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (_abortReason is { } reason && e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            if (_logLimiter.ShouldLog($"1004:{reason}", out var suppressed))
            {
                LogAborted(Id, RemoteEndPoint, reason, suppressed);
            }
        }
        catch (ProtocolException e)
        {
            if (_logLimiter.ShouldLog($"1000:{RemoteAddress}", out var suppressed))
            {
                LogBadFrame(Id, RemoteEndPoint, e.Message, suppressed);
            }
        }
        catch (EndOfStreamException)
        {
            LogTruncatedFrame(Id, RemoteEndPoint, _reader.BytesLeftAtEnd);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            LogConnectionError(Id, RemoteEndPoint, e.Message);
        }
        finally
        {
            // Outstanding answers finish before the writer goes (a client may send its last requests and
            // close its side); a failed one has closed the connection already (Answered).
            await ((Task)_answers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _reader.Dispose();
            Output.Dispose();
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

        var busyRequest = Volatile.Read(ref _busyRequest);
        if (busyRequest != 0 || Volatile.Read(ref _answersPending) > 0)
        {
            // A request in progress (a long-poll Fetch, a JoinGroup) does not read the socket, so a client
            // that went away would hold the connection until the request ends, which may be never. With only
            // answers pending the loop is reading the next frames itself (and sees an end of stream): probing
            // then races that read, which can take the bytes between Poll and Available and look like a close.
            // A close only if the same request is still in progress after the probe: then the loop did not read in
            // between (it reads only between requests). Checked before the probe alone, a request could end and the loop
            // read the next frame between Poll and Available: a client streaming produce requests (kcat) had its
            // connection cut mid-stream.
            if (busyRequest != 0 && PeerClosed() && Volatile.Read(ref _busyRequest) == busyRequest)
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

        var lastActive = Math.Max(_reader.LastReceived, Output.LastSent);
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

    /// <summary>An answer handed to <see cref="AnswerLater"/>, linked to the one after it.</summary>
    private sealed class PendingAnswer(Task handling)
    {
        private readonly Task _handling = handling;
        private volatile PendingAnswer? _next;

        public PendingAnswer? Next
        {
            set => _next = value;
        }

        /// <summary>Whether the next answer is ready to write as soon as this one is written (a failed one closes the connection instead).</summary>
        public bool NextReady() => _next?._handling.IsCompletedSuccessfully == true;
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: {Reason} ({Suppressed} similar lines left out)")]
    private partial void LogBadFrame(long connectionId, EndPoint? remote, string reason, long suppressed);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} closed mid-frame with {Bytes} bytes unread")]
    private partial void LogTruncatedFrame(long connectionId, EndPoint? remote, long bytes);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} ended: {Reason}")]
    private partial void LogConnectionError(long connectionId, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Closing connection {ConnectionId} from {Remote}: {Reason} ({Suppressed} similar lines left out)")]
    private partial void LogAborted(long connectionId, EndPoint? remote, string reason, long suppressed);
}
