using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Handlers;

namespace Platform.Broker.Network;

/// <summary>
/// Accepts TCP connections and runs one <see cref="ClientConnection"/> per client. Binding happens in
/// <see cref="Start"/>, so the bound port (port 0 picks a free one) is known as soon as it returns.
/// </summary>
public sealed partial class SocketServer : IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly RequestDispatcher _dispatcher;
    private readonly ApiVersionsHandler _apiVersions;
    private readonly ILogger<SocketServer> _logger;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _nextConnectionId;

    public SocketServer(IOptions<BrokerOptions> options, RequestDispatcher dispatcher, ApiVersionsHandler apiVersions, ILogger<SocketServer> logger)
    {
        _options = options.Value;
        _dispatcher = dispatcher;
        _apiVersions = apiVersions;
        _logger = logger;
    }

    /// <summary>The address the listener is bound to.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    public void Start()
    {
        var endPoint = _options.ListenEndPoint();
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // No explicit ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too, which would let a second broker bind the same port.
        listener.Bind(endPoint);
        listener.Listen(512);
        _listener = listener;
        LogListening(LocalEndPoint!);
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e.Message);
                continue;
            }

            socket.NoDelay = true;
            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new ClientConnection(id, socket, _dispatcher, _apiVersions, _options.SocketRequestMaxBytes, _logger);
            _connections[id] = RunConnectionAsync(connection, cancellationToken);
        }
    }

    private async Task RunConnectionAsync(ClientConnection connection, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogConnectionCrashed(e, connection.Id);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
        }
    }

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

        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Listening for Kafka clients on {EndPoint}")]
    private partial void LogListening(IPEndPoint endPoint);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Accept failed: {Reason}")]
    private partial void LogAcceptFailed(string reason);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "Connection {ConnectionId} failed unexpectedly")]
    private partial void LogConnectionCrashed(Exception exception, long connectionId);
}
