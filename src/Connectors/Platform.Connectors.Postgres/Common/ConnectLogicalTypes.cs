using Platform.Connect.Data;

namespace Platform.Connectors.Postgres.Common;

/// <summary>
/// Kafka Connect's logical types as these connectors use them. Values: <c>Timestamp</c> is a UTC
/// <see cref="DateTime"/>, <c>Date</c> a <see cref="DateTime"/> at midnight UTC, <c>Time</c> a
/// <see cref="TimeSpan"/> since midnight and <c>Decimal</c> a <see cref="decimal"/> (scale in the schema's parameters).
/// </summary>
internal static class ConnectLogicalTypes
{
    public const string TimestampName = "org.apache.kafka.connect.data.Timestamp";
    public const string DateName = "org.apache.kafka.connect.data.Date";
    public const string TimeName = "org.apache.kafka.connect.data.Time";
    public const string DecimalName = "org.apache.kafka.connect.data.Decimal";
    public const string ScaleParameter = "scale";

    public static SchemaBuilder Timestamp() => SchemaBuilder.Int64().Name(TimestampName).Version(1);

    public static SchemaBuilder Date() => SchemaBuilder.Int32().Name(DateName).Version(1);

    public static SchemaBuilder Time() => SchemaBuilder.Int32().Name(TimeName).Version(1);

    public static SchemaBuilder Decimal(int scale) => SchemaBuilder.Bytes().Name(DecimalName).Version(1)
        .Parameter(ScaleParameter, scale.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
