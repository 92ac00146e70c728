using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Tests.Network;

/// <summary>A request as the fake broker saw it.</summary>
internal sealed record ReceivedRequest(ApiKey ApiKey, short Version, int CorrelationId, string? ClientId, IRequestMessage Body);

/// <summary>
/// A loopback TCP server that speaks Kafka framing and lets a test script the answers: it hands
/// each decoded request to the test through <see cref="Requests"/>, and the test replies with
/// <see cref="RespondAsync"/>, stays silent, or drops the connection.
/// </summary>
internal sealed class FakeBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<ReceivedRequest> _requests = Channel.CreateUnbounded<ReceivedRequest>();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _acceptLoop;
    private Socket? _client;

    public FakeBroker(Func<ApiKey, (short Min, short Max)?>? versions = null)
    {
        Versions = versions ?? (k => (ApiMessages.LowestVersion(k), ApiMessages.HighestVersion(k)));
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>What the broker announces in ApiVersions; null leaves an API out.</summary>
    public Func<ApiKey, (short Min, short Max)?> Versions { get; }

    /// <summary>When set, ApiVersions requests above this version get UNSUPPORTED_VERSION in the v0 format.</summary>
    public short? MaxApiVersionsVersion { get; init; }

    /// <summary>Answers ApiVersions itself; other requests go to <see cref="Requests"/>.</summary>
    public bool AutoApiVersions { get; init; } = true;

    public BrokerAddress Address => new("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

    public ChannelReader<ReceivedRequest> Requests => _requests.Reader;

    public async Task<ReceivedRequest> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _requests.Reader.ReadAsync(timeout.Token);
    }

    public async Task RespondAsync(ReceivedRequest request, IResponseMessage response, short? version = null)
    {
        var v = version ?? request.Version;
        using var writer = new KafkaWriter();
        var sizeAt = writer.ReserveInt32();
        writer.WriteInt32(request.CorrelationId);
        if (ApiHeaders.ResponseHeaderVersion(request.ApiKey, v) >= 1)
        {
            writer.WriteUnsignedVarInt(0);
        }

        response.Write(writer, v);
        writer.PatchInt32(sizeAt, writer.Length - 4);
        await SendRawAsync(writer.WrittenMemory);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _client!.SendAsync(bytes, SocketFlags.None);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Drops the client's connection abruptly, as a dying broker would.</summary>
    public void Kill()
    {
        _client?.Close(0);
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                _client = socket;
                _ = ServeAsync(socket);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var sizeBytes = new byte[4];
            while (true)
            {
                await stream.ReadExactlyAsync(sizeBytes, _stop.Token);
                var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(sizeBytes)];
                await stream.ReadExactlyAsync(payload, _stop.Token);
                var request = Decode(payload);
                if (AutoApiVersions && request.ApiKey == ApiKey.ApiVersions)
                {
                    await AnswerApiVersionsAsync(request);
                }
                else
                {
                    await _requests.Writer.WriteAsync(request);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or EndOfStreamException or ObjectDisposedException)
        {
        }
    }

    private static ReceivedRequest Decode(byte[] payload)
    {
        var reader = new KafkaReader(payload);
        var apiKey = (ApiKey)reader.ReadInt16();
        var version = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString(compact: false);
        if (ApiHeaders.RequestHeaderVersion(apiKey, version) >= 2)
        {
            reader.SkipTaggedFields();
        }

        IRequestMessage body = ApiMessages.CreateRequest(apiKey);
        body.Read(ref reader, version);
        return new ReceivedRequest(apiKey, version, correlationId, clientId, body);
    }

    private Task AnswerApiVersionsAsync(ReceivedRequest request)
    {
        if (MaxApiVersionsVersion is { } max && request.Version > max)
        {
            var error = new ApiVersionsResponse { ErrorCode = (short)ErrorCode.UnsupportedVersion };
            error.ApiKeys.Add(new ApiVersionsResponse.ApiVersion { ApiKey = (short)ApiKey.ApiVersions, MinVersion = 0, MaxVersion = max });
            return RespondAsync(request, error, version: 0);
        }

        var response = new ApiVersionsResponse();
        foreach (var key in Enum.GetValues<ApiKey>())
        {
            if (Versions(key) is { } range)
            {
                if (key == ApiKey.ApiVersions && MaxApiVersionsVersion is { } cap)
                {
                    range.Max = cap;
                }

                response.ApiKeys.Add(new ApiVersionsResponse.ApiVersion { ApiKey = (short)key, MinVersion = range.Min, MaxVersion = range.Max });
            }
        }

        return RespondAsync(request, response);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _client?.Dispose();
        await _acceptLoop;
        _stop.Dispose();
    }
}
