using Platform.Streams.Errors;

namespace Platform.Streams.Runtime;

/// <summary>Another instance asked the whole application to shut down (its uncaught exception handler said ShutdownApplication).</summary>
internal sealed class StreamsShutdownRequestedException(string message) : StreamsException(message);
