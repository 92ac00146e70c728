using NpgsqlTypes;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>Typed arrays of column values for <c>unnest(...)</c> parameters: Npgsql sends them in binary, one parameter per column.</summary>
internal static class PgArrays
{
    public static Array Create(PgType type, IReadOnlyList<object?> values)
    {
        var element = type.DbType switch
        {
            NpgsqlDbType.Boolean => typeof(bool?),
            NpgsqlDbType.Smallint => typeof(short?),
            NpgsqlDbType.Integer => typeof(int?),
            NpgsqlDbType.Bigint => typeof(long?),
            NpgsqlDbType.Real => typeof(float?),
            NpgsqlDbType.Double => typeof(double?),
            NpgsqlDbType.Numeric => typeof(decimal?),
            NpgsqlDbType.Bytea => typeof(byte[]),
            NpgsqlDbType.Timestamp or NpgsqlDbType.TimestampTz => typeof(DateTime?),
            NpgsqlDbType.Date => typeof(DateOnly?),
            NpgsqlDbType.Time => typeof(TimeSpan?),
            NpgsqlDbType.Uuid => typeof(Guid?),
            _ => typeof(string),
        };
        var array = Array.CreateInstance(element, values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            array.SetValue(values[i], i);
        }

        return array;
    }
}
