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
    /// Finishes the current request, whose <paramref name="handling"/> is still running, in the background while
    /// the connection reads its next ones. <paramref name="answer"/> is given <see cref="EarlierAnswers"/> (write
    /// only after it completes with true) and a test of whether the next answer is ready to be written right
    /// after this one (its handling done), which lets this one's frame wait in the buffer for it; it returns
    /// whether the connection stays open.
    /// </summary>
    void AnswerLater(Task handling, Func<Task<bool>, Func<bool>, Task<bool>> answer);
}
