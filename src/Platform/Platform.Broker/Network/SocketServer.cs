using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Diagnostics;

namespace Platform.Broker.Network;

/// <summary>
/// Accepts TCP connections and runs one <see cref="ClientConnection"/> per client, which hands its
/// request frames to the <see cref="IRequestProcessor"/>. Binding happens in
/// <see cref="Start"/>, so the bound port (port 0 picks a free port) is known as soon as it returns.
/// Enforces max.connections (the listener waits for a free slot), max.connections.per.ip (a
/// connection over it is closed at once), connections.max.idle.ms and socket.request.frame.timeout.ms
/// (a sweep closes idle and half-arrived connections), and backs off when accept fails, so a full
/// file table costs a few log lines rather than a spinning core.
/// </summary>
public sealed partial class SocketServer : IAsyncDisposable
{
    private static readonly TimeSpan FirstAcceptBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxAcceptBackoff = TimeSpan.FromSeconds(1);

    private readonly BrokerOptions _options;
    private readonly ConnectionServices _services;
    private readonly ConnectionLimits _limits;
    private readonly LogRateLimiter _logLimiter;
    private readonly TimeProvider _time;
    private readonly ILogger<SocketServer> _logger;
    private readonly ConcurrentDictionary<long, (ClientConnection Connection, Task Run)> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private Task? _sweepLoop;
    private long _nextConnectionId;

    public SocketServer(
        IOptions<BrokerOptions> options,
        IRequestProcessor processor,
        RequestMemoryBudget budget,
        LogRateLimiter logLimiter,
        TimeProvider time,
        ILogger<SocketServer> logger)
    {
        _options = options.Value;
        _logLimiter = logLimiter;
        _time = time;
        _logger = logger;
        _services = new ConnectionServices(_options, processor, budget, logLimiter, time, logger);
        _limits = new ConnectionLimits(MaxConnections(), _options.MaxConnectionsPerIp, ConnectionLimits.ParseOverrides(_options.MaxConnectionsPerIpOverrides));
    }

    /// <summary>
    /// max.connections, lowered to what the open-file limit leaves room for: a broker whose connections
    /// took the last descriptors would fail to accept (EMFILE), to roll a segment, or to start a thread,
    /// which kills the process. Over the cap, connections wait in the listen backlog as they do at max.connections.
    /// </summary>
    private int MaxConnections()
    {
        var configured = _options.MaxConnections;
        if (OpenFileLimit.Read() is not { } limit || OpenFileLimit.InUse() is not { } inUse)
        {
            return configured;
        }

        var cap = OpenFileLimit.ConnectionCap(limit, inUse);
        if (cap >= configured)
        {
            return configured;
        }

        LogConnectionsCapped(cap, limit, inUse, OpenFileLimit.Headroom);
        return cap;
    }

    /// <summary>The address the listener is bound to.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>Client connections open now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>One line per open connection saying what it is doing, for diagnostics and tests.</summary>
    public IReadOnlyList<string> DescribeConnections()
    {
        var now = _time.GetTimestamp();
        return _connections.Values.Select(c => c.Connection.Describe(now)).ToList();
    }

    /// <summary>
    /// Binds and listens; with <paramref name="accept"/> false, connections wait in the backlog until
    /// <see cref="Accept"/> (a cluster member serves once it knows the cluster, see <see cref="Cluster.ClusterService"/>).
    /// </summary>
    public void Start(bool accept = true)
    {
        var endPoint = _options.ListenEndPoint();
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // No explicit ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too, which would let a second broker bind the same port.
        listener.Bind(endPoint);
        listener.Listen(_options.SocketListenBacklogSize);
        _listener = listener;
        LogListening(LocalEndPoint!);
        _sweepLoop = SweepLoopAsync(_stopping.Token);
        if (accept)
        {
            Accept();
        }
    }

    /// <summary>Starts taking connections (once; later calls do nothing).</summary>
    public void Accept()
    {
        lock (_connections)
        {
            _acceptLoop ??= AcceptLoopAsync(_stopping.Token);
        }
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!_limits.HasFreeSlot && _logLimiter.ShouldLog("1014", out var suppressedWaits))
            {
                LogAtMaxConnections(_limits.MaxConnections, suppressedWaits);
            }

            try
            {
                await _limits.WaitForSlotAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                _limits.ReleaseSlot();
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and friends leave the pending connection queued, so retrying at once would spin.
                _limits.ReleaseSlot();
                backoff = backoff == TimeSpan.Zero ? FirstAcceptBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxAcceptBackoff.Ticks));
                if (_logLimiter.ShouldLog($"1011:{e.SocketErrorCode}", out var suppressed))
                {
                    LogAcceptFailed(e.Message, (long)backoff.TotalMilliseconds, suppressed);
                }

                try
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            Admit(socket, cancellationToken);
        }
    }

    private void Admit(Socket socket, CancellationToken cancellationToken)
    {
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (!_limits.TryAdd(address, out var limit))
        {
            _limits.ReleaseSlot();
            socket.Dispose();
            if (_logLimiter.ShouldLog($"1013:{address}", out var suppressed))
            {
                LogTooManyFromAddress(address, limit, suppressed);
            }

            return;
        }

        socket.NoDelay = true;
        var id = Interlocked.Increment(ref _nextConnectionId);
        var connection = new ClientConnection(id, socket, _services, cancellationToken);
        var run = RunConnectionAsync(connection);
        _connections[id] = (connection, run);
        if (run.IsCompleted)
        {
            // It ended before it was registered (its TryRemove found nothing): do not keep a dead entry.
            _connections.TryRemove(id, out _);
        }
    }

    private async Task RunConnectionAsync(ClientConnection connection)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (_logLimiter.ShouldLog($"1012:{e.GetType().Name}:{e.Message}", out var suppressed))
            {
                LogConnectionCrashed(e, connection.Id, suppressed);
            }
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
            _limits.Remove(connection.RemoteAddress);
            _limits.ReleaseSlot();
        }
    }

    /// <summary>Closes connections idle past connections.max.idle.ms and frames stalled past socket.request.frame.timeout.ms.</summary>
    private async Task SweepLoopAsync(CancellationToken cancellationToken)
    {
        var maxIdle = ToTimestampTicks(_options.ConnectionsMaxIdleMs);
        var maxFrameTime = ToTimestampTicks(_options.SocketRequestFrameTimeoutMs);
        // A quarter of the shorter limit keeps the overshoot small; between 10 ms and a second.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(Math.Min(_options.ConnectionsMaxIdleMs, _options.SocketRequestFrameTimeoutMs) / 4, 10, 1000));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Sweep(maxIdle, maxFrameTime);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One pass of the sweep over every connection (limits in timestamp ticks).</summary>
    internal void Sweep(long maxIdle, long maxFrameTime)
    {
        var now = _time.GetTimestamp();
        foreach (var (_, (connection, _)) in _connections)
        {
            connection.CheckTimeouts(now, maxIdle, maxFrameTime, "connections.max.idle.ms", "socket.request.frame.timeout.ms");
        }
    }

    private long ToTimestampTicks(long milliseconds)
        => (long)Math.Min(milliseconds / 1000.0 * _time.TimestampFrequency, long.MaxValue / 2);

    /// <summary>Stops accepting, closes every connection and waits for in-flight requests to finish.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        if (_sweepLoop is not null)
        {
            await _sweepLoop.ConfigureAwait(false);
        }

        await Task.WhenAll(_connections.Values.Select(c => c.Run)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _limits.Dispose();
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Listening for Kafka clients on {EndPoint}")]
    private partial void LogListening(IPEndPoint endPoint);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Accept failed: {Reason}; retrying in {BackoffMs} ms ({Suppressed} similar lines left out)")]
    private partial void LogAcceptFailed(string reason, long backoffMs, long suppressed);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "Connection {ConnectionId} failed unexpectedly ({Suppressed} similar lines left out)")]
    private partial void LogConnectionCrashed(Exception exception, long connectionId, long suppressed);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Closing a new connection from {Address}: it has {Limit} open (max.connections.per.ip) ({Suppressed} similar lines left out)")]
    private partial void LogTooManyFromAddress(IPAddress address, int limit, long suppressed);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "{MaxConnections} connections open, the most allowed: new connections wait until one closes ({Suppressed} similar lines left out)")]
    private partial void LogAtMaxConnections(int maxConnections, long suppressed);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "Connections capped at {Cap}: the open-file limit is {Limit}, {InUse} descriptors are in use and {Headroom} stay free for the runtime and the logs; raise the limit (ulimit -n, LimitNOFILE=) to serve more")]
    private partial void LogConnectionsCapped(int cap, long limit, int inUse, int headroom);
}
