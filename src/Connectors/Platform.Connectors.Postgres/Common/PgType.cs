using System.Globalization;
using System.Text;
using NpgsqlTypes;
using Platform.Connect;
using Platform.Connect.Data;

namespace Platform.Connectors.Postgres.Common;

/// <summary>
/// One PostgreSQL column type as the connectors see it: the Connect schema its values get when read (sources),
/// how its text form (pgoutput) parses, and how a Connect value is converted to be written into it (sink).
/// </summary>
internal sealed class PgType
{
    private static readonly Dictionary<string, PgType> ByName = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<uint, PgType> ByOid = [];

    private readonly Func<SchemaBuilder> _schema;

    private PgType(string name, uint oid, NpgsqlDbType dbType, Func<SchemaBuilder> schema, params string[] aliases)
    {
        Name = name;
        Oid = oid;
        DbType = dbType;
        _schema = schema;
        ByName[name] = this;
        foreach (var alias in aliases)
        {
            ByName[alias] = this;
        }

        ByOid[oid] = this;
    }

    public static readonly PgType Bool = new("boolean", 16, NpgsqlDbType.Boolean, SchemaBuilder.Bool, "bool");
    public static readonly PgType Int2 = new("smallint", 21, NpgsqlDbType.Smallint, SchemaBuilder.Int16, "int2");
    public static readonly PgType Int4 = new("integer", 23, NpgsqlDbType.Integer, SchemaBuilder.Int32, "int4", "int", "serial");
    public static readonly PgType Int8 = new("bigint", 20, NpgsqlDbType.Bigint, SchemaBuilder.Int64, "int8", "bigserial");
    public static readonly PgType Float4 = new("real", 700, NpgsqlDbType.Real, SchemaBuilder.Float32, "float4");
    public static readonly PgType Float8 = new("double precision", 701, NpgsqlDbType.Double, SchemaBuilder.Float64, "float8");
    public static readonly PgType Numeric = new("numeric", 1700, NpgsqlDbType.Numeric, () => ConnectLogicalTypes.Decimal(0), "decimal");
    public static readonly PgType Text = new("text", 25, NpgsqlDbType.Text, SchemaBuilder.String, "name");
    public static readonly PgType Varchar = new("character varying", 1043, NpgsqlDbType.Varchar, SchemaBuilder.String, "varchar");
    public static readonly PgType Char = new("character", 1042, NpgsqlDbType.Char, SchemaBuilder.String, "bpchar", "char");
    public static readonly PgType Bytea = new("bytea", 17, NpgsqlDbType.Bytea, SchemaBuilder.Bytes);
    public static readonly PgType Timestamp = new("timestamp without time zone", 1114, NpgsqlDbType.Timestamp, ConnectLogicalTypes.Timestamp, "timestamp");
    public static readonly PgType TimestampTz = new("timestamp with time zone", 1184, NpgsqlDbType.TimestampTz, ConnectLogicalTypes.Timestamp, "timestamptz");
    public static readonly PgType Date = new("date", 1082, NpgsqlDbType.Date, ConnectLogicalTypes.Date);
    public static readonly PgType Time = new("time without time zone", 1083, NpgsqlDbType.Time, ConnectLogicalTypes.Time, "time");
    public static readonly PgType Uuid = new("uuid", 2950, NpgsqlDbType.Uuid, SchemaBuilder.String);
    public static readonly PgType Json = new("json", 114, NpgsqlDbType.Json, SchemaBuilder.String);
    public static readonly PgType Jsonb = new("jsonb", 3802, NpgsqlDbType.Jsonb, SchemaBuilder.String);

    /// <summary>The canonical name (<c>format_type</c> without modifiers).</summary>
    public string Name { get; }

    /// <summary>The built-in type's OID.</summary>
    public uint Oid { get; }

    /// <summary>How Npgsql writes it (COPY and parameters).</summary>
    public NpgsqlDbType DbType { get; }

    /// <summary>The type called <paramref name="name"/> (modifiers like <c>(10,2)</c> ignored), or null for types without a mapping.</summary>
    public static PgType? Find(string name)
    {
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        var bare = paren < 0 ? name.Trim() : (name[..paren] + name[(name.IndexOf(')', paren) + 1)..]).Trim();
        return ByName.GetValueOrDefault(bare);
    }

    /// <summary>The built-in type with <paramref name="oid"/>, or null.</summary>
    public static PgType? Find(uint oid) => ByOid.GetValueOrDefault(oid);

    /// <summary>
    /// The Connect schema of a column of this type; <paramref name="scale"/> is a numeric's declared scale
    /// (null: unconstrained numeric, which has no fixed scale and is read as a string to stay lossless).
    /// </summary>
    public Schema ConnectSchema(bool optional, int? scale = null)
    {
        var builder = this == Numeric ? scale is { } s ? ConnectLogicalTypes.Decimal(s) : SchemaBuilder.String() : _schema();
        return optional ? builder.Optional().Build() : builder.Build();
    }

    /// <summary>The string schema used for column types without a mapping (their text form).</summary>
    public static Schema FallbackSchema(bool optional) => optional ? Schema.OptionalStringSchema : Schema.StringSchema;

    /// <summary>A value Npgsql read (its default CLR type) as the Connect value for <paramref name="schema"/>.</summary>
    public static object? ToConnect(object? value, Schema schema) => value switch
    {
        null or DBNull => null,
        DateTime dt => DateTime.SpecifyKind(dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt, DateTimeKind.Utc),
        DateTimeOffset dto => dto.UtcDateTime,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        TimeOnly t => t.ToTimeSpan(),
        decimal m when schema.Type == SchemaType.String => m.ToString(CultureInfo.InvariantCulture),
        Guid g => g.ToString(),
        _ when schema.Type == SchemaType.String && value is not string => Convert.ToString(value, CultureInfo.InvariantCulture),
        _ => value,
    };

    /// <summary>Parses pgoutput's text form of a value of this type into its Connect value.</summary>
    public object? ParseText(string text, Schema schema)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (DbType)
        {
            case NpgsqlDbType.Boolean: return text == "t";
            case NpgsqlDbType.Smallint: return short.Parse(text, inv);
            case NpgsqlDbType.Integer: return int.Parse(text, inv);
            case NpgsqlDbType.Bigint: return long.Parse(text, inv);
            case NpgsqlDbType.Real: return float.Parse(text, inv);
            case NpgsqlDbType.Double: return double.Parse(text, inv);
            case NpgsqlDbType.Numeric:
                return schema.Type == SchemaType.String ? text : decimal.Parse(text, NumberStyles.Float, inv);
            case NpgsqlDbType.Bytea: return Convert.FromHexString(text.AsSpan(2)); // bytea_output=hex: \x...
            case NpgsqlDbType.Timestamp:
                return DateTime.SpecifyKind(DateTime.Parse(text, inv, DateTimeStyles.AllowWhiteSpaces), DateTimeKind.Utc);
            case NpgsqlDbType.TimestampTz:
                // The server writes offsets as +HH or +HH:MM; .NET wants minutes.
                var normalized = text.Length > 3 && (text[^3] == '+' || text[^3] == '-') ? text + ":00" : text;
                return DateTimeOffset.Parse(normalized, inv).UtcDateTime;
            case NpgsqlDbType.Date:
                return DateTime.SpecifyKind(DateTime.ParseExact(text, "yyyy-MM-dd", inv), DateTimeKind.Utc);
            case NpgsqlDbType.Time: return TimeSpan.Parse(text, inv);
            default: return text;
        }
    }

    /// <summary>
    /// Converts a Connect value (typed or from schemaless JSON) to what Npgsql writes into a column of this type.
    /// </summary>
    /// <exception cref="DataException">The value does not fit; the message names <paramref name="column"/>.</exception>
    public object? ToColumn(object? value, string column)
    {
        if (value is null)
        {
            return null;
        }

        if (IsWritableAsIs(value))
        {
            return value;
        }

        try
        {
            var inv = CultureInfo.InvariantCulture;
            return DbType switch
            {
                NpgsqlDbType.Boolean => value is string bs ? bool.Parse(bs) : Convert.ToBoolean(value, inv),
                NpgsqlDbType.Smallint => Convert.ToInt16(value, inv),
                NpgsqlDbType.Integer => Convert.ToInt32(value, inv),
                NpgsqlDbType.Bigint => Convert.ToInt64(value, inv),
                NpgsqlDbType.Real => Convert.ToSingle(value, inv),
                NpgsqlDbType.Double => Convert.ToDouble(value, inv),
                NpgsqlDbType.Numeric => Convert.ToDecimal(value, inv),
                NpgsqlDbType.Text or NpgsqlDbType.Varchar or NpgsqlDbType.Char => value is string s ? s : ToText(value),
                NpgsqlDbType.Bytea => value switch
                {
                    byte[] b => b,
                    string b64 => Convert.FromBase64String(b64),
                    _ => throw new InvalidCastException($"{value.GetType().Name} is not bytes"),
                },
                NpgsqlDbType.Timestamp => DateTime.SpecifyKind(ToUtc(value), DateTimeKind.Unspecified),
                NpgsqlDbType.TimestampTz => ToUtc(value),
                NpgsqlDbType.Date => DateOnly.FromDateTime(ToUtc(value)),
                NpgsqlDbType.Time => value switch
                {
                    TimeSpan ts => ts,
                    string ts => TimeSpan.Parse(ts, inv),
                    _ => TimeSpan.FromMilliseconds(Convert.ToDouble(value, inv)),
                },
                NpgsqlDbType.Uuid => value is Guid g ? g : Guid.Parse(Convert.ToString(value, inv)!),
                NpgsqlDbType.Json or NpgsqlDbType.Jsonb => value is string js ? js : JsonText(value),
                _ => value,
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            throw new DataException($"Value '{value}' ({value.GetType().Name}) cannot be written to column '{column}' of type {Name}: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="value"/> already is what <see cref="ToColumn"/> would make of it: no conversion, no new box.</summary>
    private bool IsWritableAsIs(object value) => DbType switch
    {
        NpgsqlDbType.Bigint => value is long,
        NpgsqlDbType.Integer => value is int,
        NpgsqlDbType.Double => value is double,
        NpgsqlDbType.Text or NpgsqlDbType.Varchar or NpgsqlDbType.Char or NpgsqlDbType.Json or NpgsqlDbType.Jsonb => value is string,
        NpgsqlDbType.Boolean => value is bool,
        NpgsqlDbType.Smallint => value is short,
        NpgsqlDbType.Real => value is float,
        NpgsqlDbType.Numeric => value is decimal,
        NpgsqlDbType.TimestampTz => value is DateTime { Kind: DateTimeKind.Utc },
        _ => false,
    };

    private static string ToText(object value) => value switch
    {
        IDictionary<string, object?> or IReadOnlyList<object?> or Struct => JsonText(value),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static DateTime ToUtc(object value) => value switch
    {
        DateTime dt => dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : DateTime.SpecifyKind(dt, DateTimeKind.Utc),
        DateTimeOffset dto => dto.UtcDateTime,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime,
        long or int => DateTime.UnixEpoch.AddMilliseconds(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        _ => throw new InvalidCastException($"{value.GetType().Name} is not a timestamp"),
    };

    /// <summary>A value as JSON text: structs and maps as objects, lists as arrays.</summary>
    private static string JsonText(object value) => Encoding.UTF8.GetString(SchemalessJson.ToUtf8Bytes(value));

    /// <summary>The column type <c>auto.create</c>/<c>auto.evolve</c> choose for a field of <paramref name="schema"/>.</summary>
    public static string SqlTypeFor(Schema schema) => schema.Name switch
    {
        ConnectLogicalTypes.DecimalName => "NUMERIC",
        ConnectLogicalTypes.TimestampName => "TIMESTAMPTZ",
        ConnectLogicalTypes.DateName => "DATE",
        ConnectLogicalTypes.TimeName => "TIME",
        _ => schema.Type switch
        {
            SchemaType.Int8 or SchemaType.Int16 => "SMALLINT",
            SchemaType.Int32 => "INTEGER",
            SchemaType.Int64 => "BIGINT",
            SchemaType.Float32 => "REAL",
            SchemaType.Float64 => "DOUBLE PRECISION",
            SchemaType.Boolean => "BOOLEAN",
            SchemaType.String => "TEXT",
            SchemaType.Bytes => "BYTEA",
            _ => "JSONB", // arrays, maps and nested structs keep their shape as JSON
        },
    };

    /// <summary>The column type for a schemaless (JSON) value; null values say nothing and give TEXT.</summary>
    public static string SqlTypeForValue(object? value) => value switch
    {
        bool => "BOOLEAN",
        byte or sbyte or short or ushort or int or uint or long => "BIGINT",
        float or double => "DOUBLE PRECISION",
        decimal => "NUMERIC",
        DateTime or DateTimeOffset => "TIMESTAMPTZ",
        byte[] => "BYTEA",
        IDictionary<string, object?> or IReadOnlyList<object?> => "JSONB",
        _ => "TEXT",
    };
}
