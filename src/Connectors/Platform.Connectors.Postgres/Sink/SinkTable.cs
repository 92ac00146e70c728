using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>A target table as the database has it: its columns in order, with their types.</summary>
internal sealed class SinkTable(string schema, string name, IReadOnlyList<SinkTableColumn> columns)
{
    private readonly Dictionary<string, int> _index = columns.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i);

    public string Schema { get; } = schema;

    public string Name { get; } = name;

    public string Qualified { get; } = PgIdentifier.Qualified(schema, name);

    public IReadOnlyList<SinkTableColumn> Columns { get; } = columns;

    public SinkTableColumn? Find(string column) => _index.TryGetValue(column, out var i) ? Columns[i] : null;

    /// <summary>The position of <paramref name="column"/>, or -1.</summary>
    public int IndexOf(string column) => _index.TryGetValue(column, out var i) ? i : -1;

    /// <summary>
    /// The session's temporary table that upserts into this table stage their rows in (<see cref="TableWriter"/>),
    /// quoted: named after the table and its columns, so a table that changed gets a new one and one that did not
    /// keeps its own across the session's transactions.
    /// </summary>
    public string Stage => _stage ??= "pg_temp." + PgIdentifier.Quote("__connect_stage_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(Qualified + "(" + string.Join(", ", Columns.Select(c => PgIdentifier.Quote(c.Name) + " " + c.DeclaredType)) + ")")), 0, 8));

    private string? _stage;
}

/// <summary>One column: its name, declared type text and the mapping used to write it (null: a type the sink does not write).</summary>
internal sealed record SinkTableColumn(string Name, string DeclaredType, PgType? Type);
