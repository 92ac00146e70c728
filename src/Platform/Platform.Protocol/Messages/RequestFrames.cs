using System.Buffers.Binary;

namespace Platform.Protocol.Messages;

/// <summary>
/// Kafka's framing on the sending side: <c>int32 size + payload</c>, request headers out, response headers in.
/// Used by the client and by a broker that forwards a request to another (an admin request to the controller).
/// </summary>
public static class RequestFrames
{
    /// <summary>Writes a whole request frame: size, header (v1/v2 per <see cref="ApiHeaders"/>), body.</summary>
    public static void WriteRequest(KafkaWriter writer, IRequestMessage request, short version, int correlationId, string? clientId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(request);
        var sizeAt = writer.ReserveInt32();
        var headerVersion = ApiHeaders.RequestHeaderVersion(request.ApiKey, version);
        writer.WriteInt16((short)request.ApiKey);
        writer.WriteInt16(version);
        writer.WriteInt32(correlationId);
        if (headerVersion >= 1)
        {
            // client_id stays a classic nullable string even in header v2, for compatibility.
            writer.WriteNullableString(clientId, compact: false);
        }

        if (headerVersion >= 2)
        {
            writer.WriteUnsignedVarInt(0);
        }

        request.Write(writer, version);
        writer.PatchInt32(sizeAt, checked((int)(writer.TotalLength - sizeAt - 4)));
    }

    /// <summary>Reads the correlation id at the front of a response payload.</summary>
    public static int PeekCorrelationId(ReadOnlySpan<byte> payload)
        => payload.Length >= 4
            ? BinaryPrimitives.ReadInt32BigEndian(payload)
            : throw new ProtocolException($"Response frame of {payload.Length} bytes is too short for a correlation id.");

    /// <summary>Decodes a response body after its header (v0: correlation id; v1: plus tagged fields).</summary>
    public static TResponse ReadResponse<TResponse>(ReadOnlyMemory<byte> payload, ApiKey apiKey, short version)
        where TResponse : IResponseMessage, new()
    {
        var reader = new KafkaReader(payload);
        reader.ReadInt32();
        if (ApiHeaders.ResponseHeaderVersion(apiKey, version) >= 1)
        {
            reader.SkipTaggedFields();
        }

        var response = new TResponse();
        response.Read(ref reader, version);
        return response;
    }
}
