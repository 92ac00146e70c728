namespace Platform.Streams.Errors;

/// <summary>A failure of a Streams application: processing, a store, the topology or the configuration.</summary>
public class StreamsException : Exception
{
    /// <summary>An exception with a message.</summary>
    public StreamsException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with a message and its cause.</summary>
    public StreamsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An exception without a message.</summary>
    public StreamsException()
    {
    }
}
