namespace Platform.Connectors.Postgres.Common;

/// <summary>Quoting and splitting of PostgreSQL identifiers, so table and column names are never spliced raw into SQL.</summary>
internal static class PgIdentifier
{
    /// <summary>A double-quoted identifier (embedded quotes doubled).</summary>
    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Splits <c>schema.table</c> (or <c>table</c>, schema <paramref name="defaultSchema"/>); quoted parts keep dots.</summary>
    public static (string Schema, string Table) Split(string qualified, string defaultSchema = "public")
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < qualified.Length; i++)
        {
            var c = qualified[i];
            if (c == '"')
            {
                if (quoted && i + 1 < qualified.Length && qualified[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (c == '.' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        parts.Add(current.ToString());
        return parts.Count switch
        {
            1 => (defaultSchema, parts[0]),
            2 => (parts[0], parts[1]),
            _ => (parts[^2], parts[^1]), // database.schema.table: the database is the connection's
        };
    }

    /// <summary><c>"schema"."table"</c>.</summary>
    public static string Qualified(string schema, string table) => Quote(schema) + "." + Quote(table);
}
