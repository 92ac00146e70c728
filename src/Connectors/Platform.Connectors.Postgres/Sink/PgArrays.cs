using NpgsqlTypes;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>Typed arrays of column values for <c>unnest(...)</c> parameters: Npgsql sends them in binary, one parameter per column.</summary>
internal static class PgArrays
{
    /// <summary>
    /// The array of <paramref name="values"/> for a column of <paramref name="type"/>: of the plain element type when no
    /// value is null (Npgsql writes those fastest, as a hand-written loader would), else of its nullable form.
    /// </summary>
    public static Array Create(PgType type, IReadOnlyList<object?> values)
    {
        var nulls = false;
        for (var i = 0; i < values.Count && !nulls; i++)
        {
            nulls = values[i] is null;
        }

        return type.DbType switch
        {
            NpgsqlDbType.Boolean => nulls ? Fill<bool?>(values) : Fill<bool>(values),
            NpgsqlDbType.Smallint => nulls ? Fill<short?>(values) : Fill<short>(values),
            NpgsqlDbType.Integer => nulls ? Fill<int?>(values) : Fill<int>(values),
            NpgsqlDbType.Bigint => nulls ? Fill<long?>(values) : Fill<long>(values),
            NpgsqlDbType.Real => nulls ? Fill<float?>(values) : Fill<float>(values),
            NpgsqlDbType.Double => nulls ? Fill<double?>(values) : Fill<double>(values),
            NpgsqlDbType.Numeric => nulls ? Fill<decimal?>(values) : Fill<decimal>(values),
            NpgsqlDbType.Bytea => Fill<byte[]?>(values),
            NpgsqlDbType.Timestamp or NpgsqlDbType.TimestampTz => nulls ? Fill<DateTime?>(values) : Fill<DateTime>(values),
            NpgsqlDbType.Date => nulls ? Fill<DateOnly?>(values) : Fill<DateOnly>(values),
            NpgsqlDbType.Time => nulls ? Fill<TimeSpan?>(values) : Fill<TimeSpan>(values),
            NpgsqlDbType.Uuid => nulls ? Fill<Guid?>(values) : Fill<Guid>(values),
            _ => Fill<string?>(values),
        };
    }

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
