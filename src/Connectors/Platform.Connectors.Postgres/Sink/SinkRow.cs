using Platform.Connect;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// A record mapped onto columns: each column's value and the SQL type <c>auto.create</c>/<c>auto.evolve</c> would
/// give it; <see cref="IsDelete"/> for a tombstone (only the key columns matter). A struct: the sink maps every record,
/// and a row is dropped as soon as its values are in the column buffers.
/// </summary>
internal readonly record struct SinkRow(SinkRecord Record, IReadOnlyList<SinkColumn> Columns, IReadOnlyList<string> KeyColumns, bool IsDelete);

/// <summary>One column of a <see cref="SinkRow"/> (a struct: a row has several and the sink maps every record).</summary>
/// <param name="Name">The column.</param>
/// <param name="Value">The Connect value.</param>
/// <param name="Schema">The field's schema; null for schemaless values, whose column type follows the value.</param>
/// <param name="Optional">Whether a new column may be null.</param>
internal readonly record struct SinkColumn(string Name, object? Value, Schema? Schema, bool Optional)
{
    /// <summary>The type a new column would get; only <c>auto.create</c>/<c>auto.evolve</c> ask, so it is worked out then, not per row.</summary>
    public string SqlType => Schema is null ? PgType.SqlTypeForValue(Value) : PgType.SqlTypeFor(Schema);
}
