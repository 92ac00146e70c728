using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using static Platform.Connectors.Syslog.SyslogSourceConnector;

namespace Platform.Connectors.Syslog;

/// <summary>Accepts syslog TCP connections; see <see cref="SyslogSourceConnector"/>.</summary>
public sealed class SyslogSourceTask : SourceTask
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private Channel<(SourceRecord Record, string? Error)> _queue = null!;
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private string _topic = null!;
    private string _format = null!;
    private string _framing = null!;
    private int _maxMessageBytes;
    private int _batchSize;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        var parsed = Definition.Parse(config);
        _topic = parsed.GetString(Topic)!;
        _format = parsed.GetString(Format)!.ToLowerInvariant();
        _framing = parsed.GetString(Framing)!.ToLowerInvariant();
        _maxMessageBytes = parsed.GetInt(MaxMessageBytes);
        _batchSize = parsed.GetInt(BatchSize);
        _queue = Channel.CreateBounded<(SourceRecord, string?)>(new BoundedChannelOptions(parsed.GetInt(MaxQueuedRecords)) { SingleReader = true });
        var endpoint = ParseListen(parsed.GetString(Listen), out _)!;
        _listener = new TcpListener(endpoint);
        try
        {
            _listener.Start();
        }
        catch (SocketException e)
        {
            throw new ConnectException($"Cannot listen on {Listen} '{endpoint}': {e.Message}", e);
        }

        _acceptLoop = AcceptAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [];
        }

        var records = new List<SourceRecord>();
        while (records.Count < _batchSize && _queue.Reader.TryRead(out var item))
        {
            if (item.Error is null)
            {
                records.Add(item.Record);
            }
            else
            {
                await Context.ReportErrantRecordAsync(item.Record, new DataException(item.Error), cancellationToken).ConfigureAwait(false);
            }
        }

        return records;
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener!.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var connection = ServeAsync(client, cancellationToken);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(connection);
            }
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            var remote = (client.Client.RemoteEndPoint as IPEndPoint)?.ToString() ?? string.Empty;
            var headers = new ConnectHeader[] { new("syslog.remote.address", Schema.StringSchema, remote) };
            var reader = new SyslogFrameReader(client.GetStream(), _framing, _maxMessageBytes);
            try
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is var (frame, oversized))
                {
                    var text = Encoding.UTF8.GetString(frame);
                    var item = oversized
                        ? (Raw(text, headers), $"a message longer than {MaxMessageBytes} ({_maxMessageBytes}) was cut here and skipped")
                        : ToRecord(text, headers);

                    // A full queue blocks here: the connection is not read, and TCP slows the sender down.
                    await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The connection ended or the task is stopping: nothing more to read from it.
            }
            catch (InvalidDataException e)
            {
                // The framing is lost (a bad octet count): report it and drop the connection, the sender reconnects.
                await _queue.Writer.WriteAsync((Raw(string.Empty, headers), $"bad framing from {remote}: {e.Message}"), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private (SourceRecord, string?) ToRecord(string text, IReadOnlyList<ConnectHeader> headers)
    {
        if (_format == "raw")
        {
            return (Raw(text, headers), null);
        }

        try
        {
            return (new SourceRecord(null, null, _topic, null, null, null, SyslogParser.MessageSchema, SyslogParser.Parse(text, _format), null, headers), null);
        }
        catch (DataException e)
        {
            return (Raw(text, headers), e.Message);
        }
    }

    private SourceRecord Raw(string text, IReadOnlyList<ConnectHeader> headers)
        => new(null, null, _topic, null, null, null, Schema.StringSchema, text, null, headers);
}
