using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>A target table as the database has it: its columns in order, with their types.</summary>
internal sealed class SinkTable(string schema, string name, IReadOnlyList<SinkTableColumn> columns)
{
    public string Schema { get; } = schema;

    public string Name { get; } = name;

    public string Qualified { get; } = PgIdentifier.Qualified(schema, name);

    public IReadOnlyList<SinkTableColumn> Columns { get; } = columns;

    public SinkTableColumn? Find(string column) => Columns.FirstOrDefault(c => c.Name == column);
}

/// <summary>One column: its name, declared type text and the mapping used to write it (null: a type the sink does not write).</summary>
internal sealed record SinkTableColumn(string Name, string DeclaredType, PgType? Type);
