using Platform.Protocol;

namespace Platform.Storage;

/// <summary>A log operation refused for a reason the broker reports to the client as <see cref="ErrorCode"/>.</summary>
public class LogException : Exception
{
    public LogException(ErrorCode errorCode, string message, Exception? innerException = null)
        : base(message, innerException) => ErrorCode = errorCode;

    public LogException()
        : this(ErrorCode.UnknownServerError, "Log error.")
    {
    }

    public LogException(string message)
        : this(ErrorCode.UnknownServerError, message)
    {
    }

    public LogException(string message, Exception innerException)
        : this(ErrorCode.UnknownServerError, message, innerException)
    {
    }

    public ErrorCode ErrorCode { get; }
}

/// <summary>The disk failed under the log (KAFKA_STORAGE_ERROR); acknowledged data is intact.</summary>
public sealed class StorageException : LogException
{
    public StorageException(string message, Exception? innerException = null)
        : base(ErrorCode.KafkaStorageError, message, innerException)
    {
    }

    public StorageException()
        : this("Storage error.")
    {
    }

    public StorageException(string message)
        : this(message, null)
    {
    }
}

/// <summary>A fetch or delete outside [log start offset, log end offset] (OFFSET_OUT_OF_RANGE).</summary>
public sealed class OffsetOutOfRangeException : LogException
{
    public OffsetOutOfRangeException(long offset, long logStartOffset, long logEndOffset)
        : base(ErrorCode.OffsetOutOfRange, $"Offset {offset} is outside the log range [{logStartOffset}, {logEndOffset}].")
    {
        Offset = offset;
        LogStartOffset = logStartOffset;
        LogEndOffset = logEndOffset;
    }

    public OffsetOutOfRangeException()
        : this(-1, -1, -1)
    {
    }

    public OffsetOutOfRangeException(string message)
        : base(ErrorCode.OffsetOutOfRange, message)
    {
    }

    public OffsetOutOfRangeException(string message, Exception innerException)
        : base(ErrorCode.OffsetOutOfRange, message, innerException)
    {
    }

    public long Offset { get; }

    public long LogStartOffset { get; }

    public long LogEndOffset { get; }
}
