using System.Globalization;
using Platform.Connect.Config;
using Platform.Connect.Data;
using ConnectDate = Platform.Connect.Data.Date;
using ConnectTime = Platform.Connect.Data.Time;
using ConnectTimestamp = Platform.Connect.Data.Timestamp;

namespace Platform.Connect.Transforms;

/// <summary>
/// Kafka's <c>TimestampConverter$Key</c>/<c>$Value</c>: converts <c>field</c> (or the whole key/value when empty)
/// between <c>string</c> (with <c>format</c>, a Java SimpleDateFormat pattern), <c>unix</c> (epoch in
/// <c>unix.precision</c>), <c>Date</c>, <c>Time</c> and <c>Timestamp</c>.
/// </summary>
public abstract class TimestampConverter : KeyOrValueTransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("field", ConfigType.String, "", Importance.High, "The field holding the timestamp; empty: the whole key or value.")
        .Define("target.type", ConfigType.String, ConfigDef.NoDefault, Importance.High, "The type to convert to.", null, null, ["string", "unix", "Date", "Time", "Timestamp"])
        .Define("format", ConfigType.String, "", Importance.Medium, "SimpleDateFormat pattern for string input or output (e.g. yyyy-MM-dd'T'HH:mm:ss.SSS).")
        .Define("unix.precision", ConfigType.String, "milliseconds", Importance.Low, "Precision of unix timestamps.", null, null, ["seconds", "milliseconds", "microseconds", "nanoseconds"]);

    private string _field = "";
    private string _target = "";
    private string _format = "";
    private string _precision = "milliseconds";

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override void Configure(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        _field = parsed.GetString("field") ?? "";
        _target = parsed.GetString("target.type")!;
        _format = JavaPattern(parsed.GetString("format") ?? "");
        _precision = parsed.GetString("unix.precision")!.ToLowerInvariant();
        if (_target.Equals("string", StringComparison.OrdinalIgnoreCase) && _format.Length == 0)
        {
            throw new ConfigException("format", null, "is required when target.type is string");
        }
    }

    /// <summary>A Java SimpleDateFormat pattern as a .NET custom format (quotes and the common letters).</summary>
    internal static string JavaPattern(string pattern)
        => pattern.Replace("SSS", "fff", StringComparison.Ordinal).Replace("a", "tt", StringComparison.Ordinal)
            .Replace("XXX", "zzz", StringComparison.Ordinal).Replace("u", "ddd", StringComparison.Ordinal);

    private Schema TargetSchema(bool optional)
    {
        var builder = _target.ToLowerInvariant() switch
        {
            "string" => SchemaBuilder.String(),
            "unix" => SchemaBuilder.Int64(),
            "date" => ConnectDate.Builder(),
            "time" => ConnectTime.Builder(),
            _ => ConnectTimestamp.Builder(),
        };
        return optional ? builder.Optional().Build() : builder.Build();
    }

    private DateTime ToDateTime(object value) => value switch
    {
        DateTime dt => dt.ToUniversalTime(),
        DateTimeOffset dto => dto.UtcDateTime,
        TimeSpan ts => DateTime.UnixEpoch + ts,
        long or int => DateTime.UnixEpoch.AddTicks(_precision switch
        {
            "seconds" => Convert.ToInt64(value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond,
            "microseconds" => Convert.ToInt64(value, CultureInfo.InvariantCulture) * 10,
            "nanoseconds" => Convert.ToInt64(value, CultureInfo.InvariantCulture) / 100,
            _ => Convert.ToInt64(value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerMillisecond,
        }),
        string s when _format.Length > 0 => DateTime.ParseExact(s, _format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        string s => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => throw new DataException($"TimestampConverter cannot read a {value.GetType().Name}."),
    };

    private object? ConvertTimestamp(object? value)
    {
        if (value is null)
        {
            return null;
        }

        DateTime time;
        try
        {
            time = ToDateTime(value);
        }
        catch (FormatException e)
        {
            throw new DataException($"Could not parse timestamp '{value}' with format '{_format}'.", e);
        }

        return _target.ToLowerInvariant() switch
        {
            "string" => time.ToString(_format, CultureInfo.InvariantCulture),
            "unix" => _precision switch
            {
                "seconds" => (time - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond,
                "microseconds" => (time - DateTime.UnixEpoch).Ticks / 10,
                "nanoseconds" => (time - DateTime.UnixEpoch).Ticks * 100,
                _ => (time - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond,
            },
            "date" => time.Date,
            "time" => time.TimeOfDay,
            _ => (object)time,
        };
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value)
    {
        if (_field.Length == 0)
        {
            return (null, ConvertTimestamp(value));
        }

        var result = new Dictionary<string, object?>(RequireMap(value), StringComparer.Ordinal);
        if (result.TryGetValue(_field, out var v))
        {
            result[_field] = ConvertTimestamp(v);
        }

        return (null, result);
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value)
    {
        if (_field.Length == 0)
        {
            return (TargetSchema(schema.IsOptional), ConvertTimestamp(value));
        }

        var original = RequireStruct(value);
        var builder = CopyStructShell(schema);
        foreach (var field in schema.Fields)
        {
            builder.Field(field.Name, field.Name == _field ? TargetSchema(field.Schema.IsOptional) : field.Schema);
        }

        var result = new Struct(builder.Build());
        foreach (var field in schema.Fields)
        {
            var v = original.Get(field.Name);
            result.Put(field.Name, field.Name == _field ? ConvertTimestamp(v) : v);
        }

        return (result.Schema, result);
    }

    /// <summary>Works on the key.</summary>
    public sealed class Key : TimestampConverter
    {
        /// <inheritdoc/>
        protected override bool IsKey => true;
    }

    /// <summary>Works on the value.</summary>
    public sealed class Value : TimestampConverter
    {
        /// <inheritdoc/>
        protected override bool IsKey => false;
    }
}
