using Platform.Client;

namespace Platform.Streams.Errors;

/// <summary>
/// Decides about poison records (<c>default.deserialization.exception.handler</c>): the built-ins are
/// <see cref="LogAndFailExceptionHandler"/> (the default) and <see cref="LogAndContinueExceptionHandler"/>.
/// With <c>errors.dead.letter.queue.topic.name</c> set, a skipped record is also written there.
/// </summary>
public interface IDeserializationExceptionHandler
{
    /// <summary>Decides about <paramref name="record"/> (raw key and value bytes) that failed with <paramref name="exception"/>.</summary>
    DeserializationHandlerResponse Handle(ErrorHandlerContext context, ConsumeResult<byte[]?, byte[]?> record, Exception exception);
}
