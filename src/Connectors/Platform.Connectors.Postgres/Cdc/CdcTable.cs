using Platform.Connect.Data;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Cdc;

/// <summary>One column of a captured table: its name and PostgreSQL type (OID and modifier).</summary>
internal sealed record CdcColumn(string Name, uint TypeOid, int TypeModifier)
{
    public PgType? Type { get; } = PgType.Find(TypeOid);

    /// <summary>A numeric's declared scale, from its type modifier ((precision &lt;&lt; 16 | scale) + 4); null when unconstrained.</summary>
    public int? Scale => Type == PgType.Numeric && TypeModifier >= 4 ? (TypeModifier - 4) & 0xFFFF : null;
}

/// <summary>
/// A captured table and the Debezium schemas of its records: <c>&lt;topic&gt;.Key</c> (primary key columns),
/// <c>&lt;topic&gt;.Value</c> (every column, optional: a delete's <c>before</c> under the default replica identity
/// has only the key) and <c>&lt;topic&gt;.Envelope</c> (before, after, source, op, ts_ms).
/// </summary>
internal sealed class CdcTable
{
    /// <summary>Debezium's placeholder for an unchanged TOASTed value that the WAL does not carry.</summary>
    public const string UnavailableValue = "__debezium_unavailable_value";

    public static readonly Schema SourceSchema = SchemaBuilder.Struct().Name("io.debezium.connector.postgresql.Source")
        .Field("version", Schema.StringSchema)
        .Field("connector", Schema.StringSchema)
        .Field("name", Schema.StringSchema)
        .Field("ts_ms", Schema.Int64Schema)
        .Field("snapshot", SchemaBuilder.String().Optional().DefaultValue("false").Build())
        .Field("db", Schema.StringSchema)
        .Field("schema", Schema.StringSchema)
        .Field("table", Schema.StringSchema)
        .Field("txId", Schema.OptionalInt64Schema)
        .Field("lsn", Schema.OptionalInt64Schema)
        .Build();

    public CdcTable(string prefix, string schema, string name, IReadOnlyList<CdcColumn> columns, IReadOnlyList<string> primaryKey)
    {
        SchemaName = schema;
        Name = name;
        Columns = columns;
        Topic = $"{prefix}.{schema}.{name}";
        var value = SchemaBuilder.Struct().Name(Topic + ".Value");
        foreach (var column in columns)
        {
            value.Field(column.Name, ColumnSchema(column, optional: true));
        }

        ValueSchema = value.Optional().Build();
        KeyIndexes = primaryKey.Select(k => columns.ToList().FindIndex(c => c.Name == k)).Where(i => i >= 0).ToList();
        if (KeyIndexes.Count > 0)
        {
            var key = SchemaBuilder.Struct().Name(Topic + ".Key");
            foreach (var i in KeyIndexes)
            {
                key.Field(columns[i].Name, ColumnSchema(columns[i], optional: false));
            }

            KeySchema = key.Build();
        }

        EnvelopeSchema = SchemaBuilder.Struct().Name(Topic + ".Envelope")
            .Field("before", ValueSchema)
            .Field("after", ValueSchema)
            .Field("source", SourceSchema)
            .Field("op", Schema.StringSchema)
            .Field("ts_ms", Schema.OptionalInt64Schema)
            .Build();
    }

    public string SchemaName { get; }

    public string Name { get; }

    public string Topic { get; }

    public IReadOnlyList<CdcColumn> Columns { get; }

    public IReadOnlyList<int> KeyIndexes { get; }

    /// <summary>The key schema, or null for a table without primary key (its records have no key).</summary>
    public Schema? KeySchema { get; }

    public Schema ValueSchema { get; }

    public Schema EnvelopeSchema { get; }

    private static Schema ColumnSchema(CdcColumn column, bool optional)
        => column.Type?.ConnectSchema(optional, column.Scale) ?? PgType.FallbackSchema(optional);

    /// <summary>A column's value from its text form (pgoutput's and the snapshot's unmapped types).</summary>
    public object? Parse(int column, string text)
    {
        var field = ValueSchema.Fields[column];
        return Columns[column].Type is { } type ? type.ParseText(text, field.Schema) : text;
    }

    /// <summary>A row struct from column values (null entries stay unset).</summary>
    public Struct Row(object?[] values)
    {
        var row = new Struct(ValueSchema);
        for (var i = 0; i < values.Length && i < Columns.Count; i++)
        {
            row.Put(Columns[i].Name, values[i]);
        }

        return row;
    }

    /// <summary>The key struct of a row, or null without primary key.</summary>
    public Struct? Key(object?[] values)
    {
        if (KeySchema is null)
        {
            return null;
        }

        var key = new Struct(KeySchema);
        foreach (var i in KeyIndexes)
        {
            key.Put(Columns[i].Name, values[i]);
        }

        return key;
    }

    /// <summary>A Debezium change event value.</summary>
    public Struct Envelope(Struct? before, Struct? after, string op, Struct source)
        => new Struct(EnvelopeSchema).Put("before", before).Put("after", after).Put("source", source).Put("op", op)
            .Put("ts_ms", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
}
