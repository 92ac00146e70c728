using System.Net;

namespace Platform.Broker.Network;

/// <summary>One client connection as the <see cref="IRequestProcessor"/> sees it: who it is and where answers go.</summary>
public interface IClientConnection
{
    /// <summary>Identifies the connection in logs.</summary>
    long Id { get; }

    EndPoint? RemoteEndPoint { get; }

    /// <summary>Writes response frames to the client.</summary>
    FrameWriter Output { get; }

    /// <summary>The request being handled or answered, for diagnostics (described by its ToString); null between requests.</summary>
    object? InProgress { set; }
}
