namespace Platform.Client;

/// <summary>A record timestamp: milliseconds since the Unix epoch and what they mean.</summary>
/// <param name="UnixTimestampMs">Milliseconds since 1970-01-01 UTC.</param>
/// <param name="Type">Create time, log append time, or none.</param>
public readonly record struct Timestamp(long UnixTimestampMs, TimestampType Type)
{
    /// <summary>No timestamp: the producer stamps the record with the current time.</summary>
    public static readonly Timestamp Default = new(0, TimestampType.NotAvailable);

    /// <summary>A create-time timestamp from a <see cref="DateTimeOffset"/>.</summary>
    public Timestamp(DateTimeOffset time)
        : this(time.ToUnixTimeMilliseconds(), TimestampType.CreateTime)
    {
    }

    /// <summary>The timestamp as UTC time.</summary>
    public DateTime UtcDateTime => DateTimeOffset.FromUnixTimeMilliseconds(UnixTimestampMs).UtcDateTime;
}
