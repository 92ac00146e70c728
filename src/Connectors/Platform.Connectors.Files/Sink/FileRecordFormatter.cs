using System.Globalization;
using System.Text;
using Platform.Connect;
using Platform.Connect.Data;

namespace Platform.Connectors.Files.Sink;

/// <summary>Turns record values into the bytes of one line (or CSV row) per <c>file.format</c>.</summary>
internal sealed class FileRecordFormatter(string format, char csvSeparator)
{
    public string Extension => format switch
    {
        "text" => "txt",
        "csv" => "csv",
        _ => "json",
    };

    /// <summary>The CSV columns of a file, from its first record: struct fields, map keys, or one "value" column.</summary>
    public IReadOnlyList<string>? Columns(object value) => format != "csv" ? null : value switch
    {
        Struct s => s.Schema.Fields.Select(f => f.Name).ToList(),
        IEnumerable<KeyValuePair<string, object?>> map => map.Select(kv => kv.Key).ToList(),
        _ => ["value"],
    };

    /// <summary>The header row of a CSV file.</summary>
    public byte[] Header(IReadOnlyList<string> columns)
        => Encoding.UTF8.GetBytes(string.Join(csvSeparator, columns.Select(Quote)) + "\n");

    /// <summary>One line for <paramref name="value"/>, newline included.</summary>
    /// <exception cref="DataException">The value cannot be written in this format.</exception>
    public byte[] Format(object value, IReadOnlyList<string>? columns)
    {
        switch (format)
        {
            case "json":
                var json = SchemalessJson.ToUtf8Bytes(value);
                Array.Resize(ref json, json.Length + 1);
                json[^1] = (byte)'\n';
                return json;
            case "text":
                return Encoding.UTF8.GetBytes(Text(value) + "\n");
            default:
                var cells = columns!.Select(c => Quote(Text(Cell(value, c)))).ToList();
                return Encoding.UTF8.GetBytes(string.Join(csvSeparator, cells) + "\n");
        }
    }

    private static object? Cell(object value, string column) => value switch
    {
        Struct s => s.Schema.Field(column) is null ? null : s.Get(column),
        IReadOnlyDictionary<string, object?> map => map.GetValueOrDefault(column),
        IDictionary<string, object?> map => map.TryGetValue(column, out var v) ? v : null,
        _ => column == "value" ? value : null,
    };

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        bool b => b ? "true" : "false",
        IFormattable f and not DateTimeOffset and not DateTime => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Encoding.UTF8.GetString(SchemalessJson.ToUtf8Bytes(value)).Trim('"'),
    };

    private string Quote(string cell)
        => cell.AsSpan().IndexOfAny([csvSeparator, '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
