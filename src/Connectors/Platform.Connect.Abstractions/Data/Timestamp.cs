namespace Platform.Connect.Data;

/// <summary>
/// Kafka Connect's <c>org.apache.kafka.connect.data.Timestamp</c> logical type: an int64 of milliseconds since the
/// Unix epoch on the wire, a UTC <see cref="DateTime"/> in Connect data.
/// </summary>
public static class Timestamp
{
    /// <summary>The logical type's schema name.</summary>
    public const string LogicalName = "org.apache.kafka.connect.data.Timestamp";

    /// <summary>A required timestamp schema.</summary>
    public static readonly Schema SchemaInstance = Builder().Build();

    /// <summary>A builder of the timestamp schema (add <c>.Optional()</c> as needed).</summary>
    public static SchemaBuilder Builder() => SchemaBuilder.Int64().Name(LogicalName).Version(1);

    /// <summary>Milliseconds since the epoch.</summary>
    public static long FromLogical(DateTime value) => (long)(value.ToUniversalTime() - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>The UTC time of <paramref name="millis"/> since the epoch.</summary>
    public static DateTime ToLogical(long millis) => DateTime.UnixEpoch.AddMilliseconds(millis);
}
