namespace Platform.Connect.Data;

/// <summary>
/// Kafka Connect's <c>org.apache.kafka.connect.data.Time</c> logical type: an int32 of milliseconds since midnight
/// on the wire, a <see cref="TimeSpan"/> in Connect data.
/// </summary>
public static class Time
{
    /// <summary>The logical type's schema name.</summary>
    public const string LogicalName = "org.apache.kafka.connect.data.Time";

    /// <summary>A required time schema.</summary>
    public static readonly Schema SchemaInstance = Builder().Build();

    /// <summary>A builder of the time schema.</summary>
    public static SchemaBuilder Builder() => SchemaBuilder.Int32().Name(LogicalName).Version(1);

    /// <summary>Milliseconds since midnight.</summary>
    /// <exception cref="DataException">The value is not within one day.</exception>
    public static int FromLogical(TimeSpan value)
        => value < TimeSpan.Zero || value >= TimeSpan.FromDays(1)
            ? throw new DataException($"A Time value must be within one day, not {value}.")
            : (int)value.TotalMilliseconds;

    /// <summary>The time of day of <paramref name="millis"/> since midnight.</summary>
    public static TimeSpan ToLogical(int millis) => TimeSpan.FromMilliseconds(millis);
}
