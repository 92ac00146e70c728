namespace Platform.Client;

/// <summary>
/// The one exception type the client throws for Kafka errors, carrying an <see cref="Client.Error"/>.
/// Operations on several items at once throw a subclass that also carries per-item results.
/// </summary>
public class KafkaException : Exception
{
    /// <summary>Creates an exception for <paramref name="error"/>.</summary>
    public KafkaException(Error error)
        : base(error?.Reason)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>Creates an exception for <paramref name="error"/> caused by <paramref name="innerException"/>.</summary>
    public KafkaException(Error error, Exception? innerException)
        : base(error?.Reason, innerException)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>What went wrong.</summary>
    public Error Error { get; }
}
