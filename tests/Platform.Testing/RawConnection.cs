using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Platform.Broker;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Xunit;

namespace Platform.Testing;

/// <summary>
/// A bare TCP connection that sends hand-made frames, for testing what the broker does with bad
/// input. Well-formed requests are encoded with the generated messages.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private RawConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static Task<RawConnection> ConnectAsync(EmbeddedBroker broker) => ConnectAsync(broker.Port);

    public static async Task<RawConnection> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        return new RawConnection(client);
    }

    /// <summary>Connects from <paramref name="localAddress"/> (any 127.x.y.z works on loopback), to test per-address limits.</summary>
    public static async Task<RawConnection> ConnectFromAsync(IPAddress localAddress, int port)
    {
        var client = new TcpClient(new IPEndPoint(localAddress, 0));
        await client.ConnectAsync(IPAddress.Loopback, port);
        return new RawConnection(client);
    }

    /// <summary>Ends the sending side (the broker reads end of stream) while responses can still be read.</summary>
    public void ShutdownSend() => _client.Client.Shutdown(SocketShutdown.Send);

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Encodes a request frame: size, header (v1 or v2 by version), body.</summary>
    public static byte[] Frame(IRequestMessage request, short version, int correlationId, string? clientId = "raw-test")
    {
        using var writer = new KafkaWriter();
        var size = writer.ReserveInt32();
        writer.WriteInt16((short)request.ApiKey);
        writer.WriteInt16(version);
        writer.WriteInt32(correlationId);
        writer.WriteNullableString(clientId, compact: false);
        if (ApiHeaders.RequestHeaderVersion(request.ApiKey, version) >= 2)
        {
            writer.WriteUnsignedVarInt(0);
        }

        request.Write(writer, version);
        writer.PatchInt32(size, writer.Length - 4);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Sends <paramref name="request"/> and reads its response, waiting at most <paramref name="timeout"/> (10 s when null).</summary>
    public async Task<TResponse> SendAsync<TResponse>(IRequestMessage request, short version, TimeSpan? timeout = null)
        where TResponse : IResponseMessage, new()
    {
        var correlationId = ++_correlationId;
        await SendRawAsync(Frame(request, version, correlationId));
        var frame = await ReadFrameAsync(timeout) ?? throw new IOException("The broker closed the connection.");
        return Decode<TResponse>(frame, request.ApiKey, version, correlationId);
    }

    public static TResponse Decode<TResponse>(byte[] frame, ApiKey apiKey, short version, int expectedCorrelationId)
        where TResponse : IResponseMessage, new()
    {
        var reader = new KafkaReader(frame);
        Assert.Equal(expectedCorrelationId, reader.ReadInt32());
        if (ApiHeaders.ResponseHeaderVersion(apiKey, version) >= 1)
        {
            reader.SkipTaggedFields();
        }

        var response = new TResponse();
        response.Read(ref reader, version);
        Assert.True(reader.End, $"{reader.Remaining} bytes left after the {typeof(TResponse).Name}");
        return response;
    }

    /// <summary>Reads one response frame (without its size), or null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var size = new byte[4];
        if (!await ReadExactlyAsync(size, cts.Token))
        {
            return null;
        }

        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        return await ReadExactlyAsync(frame, cts.Token) ? frame : null;
    }

    /// <summary>True when the broker closes the connection (reads end) within the timeout.</summary>
    public async Task<bool> IsClosedByBrokerAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[1];
        try
        {
            return await _stream.ReadAsync(buffer, cts.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
