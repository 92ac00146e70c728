using System.Net;
using Platform.Protocol.Messages;

namespace Platform.Broker.Requests;

/// <summary>What a handler knows about the request besides its body.</summary>
public sealed class RequestContext
{
    public required ApiKey ApiKey { get; init; }

    public required short ApiVersion { get; init; }

    public required int CorrelationId { get; init; }

    public string? ClientId { get; init; }

    public EndPoint? RemoteEndPoint { get; init; }

    /// <summary>Identifies the connection in logs.</summary>
    public long ConnectionId { get; init; }

    /// <summary>The request, as a connection's diagnostics show it.</summary>
    public override string ToString() => $"{ApiKey} v{ApiVersion} (correlation id {CorrelationId})";
}
