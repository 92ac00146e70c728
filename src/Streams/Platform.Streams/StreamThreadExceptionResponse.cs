namespace Platform.Streams;

/// <summary>What to do when a stream thread dies of an exception (Kafka's <c>StreamThreadExceptionResponse</c>).</summary>
public enum StreamThreadExceptionResponse
{
    /// <summary>Start a new thread in its place; its tasks go back to the group and are reassigned.</summary>
    ReplaceThread,

    /// <summary>Stop this instance (state Error); other instances take over its tasks.</summary>
    ShutdownClient,

    /// <summary>Stop every instance of the application (state Error everywhere).</summary>
    ShutdownApplication,
}
