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

    /// <summary>Completes once every answer handed to <see cref="AnswerLater"/> is written; false if one of them closed the connection.</summary>
    Task<bool> EarlierAnswers { get; }

    /// <summary>
    /// Finishes the current request in the background while the connection reads its next ones.
    /// <paramref name="answer"/> is given <see cref="EarlierAnswers"/> (write only after it completes with
    /// true) and returns whether the connection stays open.
    /// </summary>
    void AnswerLater(Func<Task<bool>, Task<bool>> answer);
}
