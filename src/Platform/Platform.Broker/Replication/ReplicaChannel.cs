using System.Buffers.Binary;
using System.Net.Sockets;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Replication;

/// <summary>
/// One connection to another broker (a follower's to its leader, a transaction coordinator's to a partition
/// leader for its markers): requests go one at a time (the caller waits for each answer before the next), framed and encoded with the protocol library, as a client would but without it
/// (the broker does not depend on the client).
/// </summary>
internal sealed class ReplicaChannel : IDisposable
{
    // A fetch answer is bounded by replica.fetch.response.max.bytes plus framing; anything far larger is garbage.
    private const int MaxResponseBytes = 256 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly string _clientId;
    private readonly byte[] _size = new byte[4];
    private int _correlationId;

    private ReplicaChannel(Socket socket, string clientId)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _clientId = clientId;
    }

    public static async Task<ReplicaChannel> ConnectAsync(BrokerEndpoint endpoint, string clientId, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new ReplicaChannel(socket, clientId);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="request"/> in <paramref name="version"/> and reads its answer; an I/O or protocol error leaves the channel unusable.</summary>
    public async Task<TResponse> SendAsync<TResponse>(IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : IResponseMessage, new()
    {
        var correlationId = ++_correlationId;
        using (var writer = new KafkaWriter(512))
        {
            var size = writer.ReserveInt32();
            new RequestHeader { RequestApiKey = (short)request.ApiKey, RequestApiVersion = version, CorrelationId = correlationId, ClientId = _clientId }
                .Write(writer, ApiHeaders.RequestHeaderVersion(request.ApiKey, version));
            request.Write(writer, version);
            writer.PatchInt32(size, writer.Length - 4);
            await _stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        await _stream.ReadExactlyAsync(_size, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(_size);
        if (length is < 4 or > MaxResponseBytes)
        {
            throw new ProtocolException($"Response frame of {length} bytes from the leader.");
        }

        // Owned by the response: fetched records are slices of it, appended by the follower in place.
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        return Decode<TResponse>(payload, request.ApiKey, version, correlationId);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }

    private static TResponse Decode<TResponse>(byte[] payload, ApiKey apiKey, short version, int correlationId)
        where TResponse : IResponseMessage, new()
    {
        var reader = new KafkaReader(payload);
        if (reader.ReadInt32() != correlationId)
        {
            throw new ProtocolException($"Response to {apiKey} carries another request's correlation id.");
        }

        if (ApiHeaders.ResponseHeaderVersion(apiKey, version) >= 1)
        {
            reader.SkipTaggedFields();
        }

        var response = new TResponse();
        response.Read(ref reader, version);
        return response;
    }
}
