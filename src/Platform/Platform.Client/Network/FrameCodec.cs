using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>Kafka's framing on the client side: the protocol's <see cref="RequestFrames"/>.</summary>
internal static class FrameCodec
{
    public static void WriteRequest(KafkaWriter writer, IRequestMessage request, short version, int correlationId, string? clientId)
        => RequestFrames.WriteRequest(writer, request, version, correlationId, clientId);

    public static int PeekCorrelationId(ReadOnlySpan<byte> payload) => RequestFrames.PeekCorrelationId(payload);

    public static TResponse ReadResponse<TResponse>(ReadOnlyMemory<byte> payload, ApiKey apiKey, short version)
        where TResponse : IResponseMessage, new()
        => RequestFrames.ReadResponse<TResponse>(payload, apiKey, version);
}
