using Platform.Streams.Errors;

namespace Platform.Streams.Processors.Internal;

/// <summary>A processor failure the processing handler already decided to fail on: parents let it pass.</summary>
internal sealed class ProcessingFailedException(string message, Exception innerException) : StreamsException(message, innerException);
