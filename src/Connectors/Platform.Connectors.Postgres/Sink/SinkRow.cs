using Platform.Connect;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// A record mapped onto columns: each column's value and the SQL type <c>auto.create</c>/<c>auto.evolve</c> would
/// give it; <see cref="IsDelete"/> for a tombstone (only the key columns matter).
/// </summary>
internal sealed record SinkRow(SinkRecord Record, IReadOnlyList<SinkColumn> Columns, IReadOnlyList<string> KeyColumns, bool IsDelete);

/// <summary>One column of a <see cref="SinkRow"/> (a struct: a row has several and the sink maps every record).</summary>
/// <param name="Name">The column.</param>
/// <param name="Value">The Connect value.</param>
/// <param name="SqlType">The type a new column would get.</param>
/// <param name="Optional">Whether a new column may be null.</param>
internal readonly record struct SinkColumn(string Name, object? Value, string SqlType, bool Optional);
