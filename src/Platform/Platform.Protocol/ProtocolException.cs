namespace Platform.Protocol;

/// <summary>
/// Thrown when bytes on the wire do not form a valid message: truncated frames, negative lengths,
/// sizes over a limit. The broker answers it by closing the one connection that sent them.
/// </summary>
public sealed class ProtocolException : Exception
{
    public ProtocolException(string message)
        : base(message)
    {
    }

    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProtocolException()
    {
    }
}
