namespace Platform.Streams.Errors;

/// <summary>A topology that cannot be built or run: duplicate or unknown names, missing serdes, type mismatches.</summary>
public sealed class TopologyException : StreamsException
{
    /// <summary>An exception with a message.</summary>
    public TopologyException(string message)
        : base("Invalid topology: " + message)
    {
    }

    /// <summary>An exception with a message and its cause.</summary>
    public TopologyException(string message, Exception? innerException)
        : base("Invalid topology: " + message, innerException)
    {
    }

    /// <summary>An exception without a message.</summary>
    public TopologyException()
    {
    }
}
