using Platform.Protocol;

namespace Platform.Client;

/// <summary>
/// An error reported by a broker or raised by the client itself: Kafka's <see cref="ErrorCode"/>
/// plus a human-readable reason. Client-side failures reuse Kafka's codes
/// (<see cref="ErrorCode.NetworkException"/> for a lost connection,
/// <see cref="ErrorCode.RequestTimedOut"/> for a timeout) so callers handle one set of codes.
/// </summary>
public sealed class Error
{
    /// <summary>No error.</summary>
    public static readonly Error NoError = new(ErrorCode.None);

    /// <summary>Creates an error whose reason is Kafka's name of <paramref name="code"/>.</summary>
    public Error(ErrorCode code)
        : this(code, null)
    {
    }

    /// <summary>Creates an error with a specific reason (falls back to Kafka's name of <paramref name="code"/>).</summary>
    public Error(ErrorCode code, string? reason)
    {
        Code = code;
        Reason = string.IsNullOrEmpty(reason) ? code.ToKafkaName() : reason;
    }

    /// <summary>Kafka's error code.</summary>
    public ErrorCode Code { get; }

    /// <summary>What went wrong, for people.</summary>
    public string Reason { get; }

    /// <summary>Whether this is an error at all (<see cref="Code"/> is not <see cref="ErrorCode.None"/>).</summary>
    public bool IsError => Code != ErrorCode.None;

    /// <summary>
    /// Whether the client that raised it can no longer be used (a fenced transactional producer):
    /// dispose it and create a new one.
    /// </summary>
    public bool IsFatal { get; init; }

    /// <summary>Whether retrying the same request may succeed (Kafka's RetriableException).</summary>
    public bool IsRetriable => Code.IsRetriable();

    /// <summary>Builds an error from a response's int16 error code and optional message.</summary>
    public static Error FromWire(short code, string? message = null)
        => code == 0 ? NoError : new Error((ErrorCode)code, message);

    /// <inheritdoc />
    public override string ToString() => IsError ? $"{Code.ToKafkaName()}: {Reason}" : "Success";
}
