namespace Platform.Connect.Data;

/// <summary>
/// Kafka Connect's <c>org.apache.kafka.connect.data.Date</c> logical type: an int32 of days since the Unix epoch on
/// the wire, a UTC <see cref="DateTime"/> at midnight in Connect data.
/// </summary>
public static class Date
{
    /// <summary>The logical type's schema name.</summary>
    public const string LogicalName = "org.apache.kafka.connect.data.Date";

    /// <summary>A required date schema.</summary>
    public static readonly Schema SchemaInstance = Builder().Build();

    /// <summary>A builder of the date schema.</summary>
    public static SchemaBuilder Builder() => SchemaBuilder.Int32().Name(LogicalName).Version(1);

    /// <summary>Days since the epoch.</summary>
    /// <exception cref="DataException">The value has a time of day.</exception>
    public static int FromLogical(DateTime value)
    {
        var utc = value.ToUniversalTime();
        return utc.TimeOfDay != TimeSpan.Zero
            ? throw new DataException($"A Date value must be midnight UTC, not {utc:O}.")
            : (int)(utc - DateTime.UnixEpoch).TotalDays;
    }

    /// <summary>Midnight UTC of <paramref name="days"/> since the epoch.</summary>
    public static DateTime ToLogical(int days) => DateTime.UnixEpoch.AddDays(days);
}
