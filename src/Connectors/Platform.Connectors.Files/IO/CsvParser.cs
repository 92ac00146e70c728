using System.Text;

namespace Platform.Connectors.Files.IO;

/// <summary>
/// RFC 4180 CSV: fields separated by a character, optionally quoted with <c>"</c>, a quote inside a quoted field
/// doubled, and quoted fields may span lines. Reads one record at a time from a <see cref="LineReader"/>, so the
/// reader's position is the record's end.
/// </summary>
internal static class CsvParser
{
    /// <summary>The next record's fields, or null at the end of the file.</summary>
    /// <exception cref="FormatException">A quote is misplaced or never closed.</exception>
    public static List<string>? ReadRecord(LineReader reader, char separator)
    {
        var line = reader.ReadLine(acceptUnterminated: true);
        if (line is null)
        {
            return null;
        }

        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var atFieldStart = true;
        var i = 0;
        while (true)
        {
            if (i == line.Length)
            {
                if (!quoted)
                {
                    fields.Add(field.ToString());
                    return fields;
                }

                // A quoted field continues on the next line.
                line = reader.ReadLine(acceptUnterminated: true)
                    ?? throw new FormatException($"a quoted field is not closed before the end of the file (line {reader.LinesRead})");
                field.Append('\n');
                i = 0;
                continue;
            }

            var c = line[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                        continue;
                    }

                    quoted = false;
                    i++;
                    if (i < line.Length && line[i] != separator)
                    {
                        throw new FormatException($"unexpected '{line[i]}' after a closing quote at line {reader.LinesRead}, column {i + 1}");
                    }

                    continue;
                }

                field.Append(c);
                i++;
                continue;
            }

            if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
                atFieldStart = true;
                i++;
                continue;
            }

            if (c == '"')
            {
                if (!atFieldStart)
                {
                    throw new FormatException($"a quote inside an unquoted field at line {reader.LinesRead}, column {i + 1}");
                }

                quoted = true;
                atFieldStart = false;
                i++;
                continue;
            }

            atFieldStart = false;
            field.Append(c);
            i++;
        }
    }
}
