using NpgsqlTypes;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>Typed arrays of column values for <c>unnest(...)</c> parameters: Npgsql sends them in binary, one parameter per column.</summary>
internal static class PgArrays
{
    public static Array Create(PgType type, IReadOnlyList<object?> values) => type.DbType switch
    {
        NpgsqlDbType.Boolean => Fill<bool?>(values),
        NpgsqlDbType.Smallint => Fill<short?>(values),
        NpgsqlDbType.Integer => Fill<int?>(values),
        NpgsqlDbType.Bigint => Fill<long?>(values),
        NpgsqlDbType.Real => Fill<float?>(values),
        NpgsqlDbType.Double => Fill<double?>(values),
        NpgsqlDbType.Numeric => Fill<decimal?>(values),
        NpgsqlDbType.Bytea => Fill<byte[]?>(values),
        NpgsqlDbType.Timestamp or NpgsqlDbType.TimestampTz => Fill<DateTime?>(values),
        NpgsqlDbType.Date => Fill<DateOnly?>(values),
        NpgsqlDbType.Time => Fill<TimeSpan?>(values),
        NpgsqlDbType.Uuid => Fill<Guid?>(values),
        _ => Fill<string?>(values),
    };

    private static T[] Fill<T>(IReadOnlyList<object?> values)
    {
        var array = new T[values.Count];
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = (T)values[i]!;
        }

        return array;
    }
}
