using System.Buffers.Binary;
using System.Net.Sockets;
using Platform.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Cluster;

/// <summary>
/// Sends an admin request on to the controller broker over the Kafka protocol, as it came (same API version),
/// and returns the controller's answer. Admin requests are rare, so each one opens its own connection.
/// </summary>
/// <remarks>
/// Why forward rather than let every broker write to etcd: only the controller decides placement and elections
/// and its writes are fenced by its epoch, so two brokers creating the same topic, or a creation racing an
/// election, are ordered by one process. A controller that lost its role meanwhile answers NOT_CONTROLLER,
/// which clients retry after refreshing their metadata.
/// </remarks>
internal static class ControllerChannel
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static int _correlationId;

    public static async Task<TResponse> SendAsync<TResponse>(BrokerRegistration controller, IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : IResponseMessage, new()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(controller.Host, controller.Port, deadline.Token).ConfigureAwait(false);
        var stream = client.GetStream();
        var correlationId = Interlocked.Increment(ref _correlationId);
        using (var writer = new KafkaWriter())
        {
            RequestFrames.WriteRequest(writer, request, version, correlationId, "platform-broker-forward");
            await stream.WriteAsync(writer.WrittenMemory, deadline.Token).ConfigureAwait(false);
        }

        var size = new byte[4];
        await stream.ReadExactlyAsync(size, deadline.Token).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(size);
        if (length is < 4 or > 64 * 1024 * 1024)
        {
            throw new ProtocolException($"The controller (broker {controller.Id}) answered a frame of {length} bytes.");
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, deadline.Token).ConfigureAwait(false);
        if (RequestFrames.PeekCorrelationId(payload) != correlationId)
        {
            throw new ProtocolException($"The controller (broker {controller.Id}) answered another request.");
        }

        return RequestFrames.ReadResponse<TResponse>(payload, request.ApiKey, version);
    }
}
