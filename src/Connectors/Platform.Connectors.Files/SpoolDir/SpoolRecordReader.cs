using System.Text.Json;
using Platform.Connect.Data;
using Platform.Connectors.Files.IO;

namespace Platform.Connectors.Files.SpoolDir;

/// <summary>Where and why a spooled file cannot be read.</summary>
internal readonly record struct SpoolProblem(long Line, long Position, string Text, string Message);

/// <summary>Turns a spooled file's lines into record values per <c>input.format</c>.</summary>
internal static class SpoolRecordReader
{
    /// <summary>Reads a CSV file's header row and builds the row schema; nothing for other formats.</summary>
    public static void ReadHeader(SpoolFile file, SpoolDirSettings settings)
    {
        if (settings.InputFormat != "csv")
        {
            return;
        }

        var header = CsvParser.ReadRecord(file.Reader!, settings.CsvSeparator) ?? [];
        file.RowSchema = BuildRowSchema(header);
    }

    /// <summary>The next record's value; false at the end of the file. The file has been validated.</summary>
    public static bool TryRead(SpoolFile file, SpoolDirSettings settings, out Schema? schema, out object? value)
    {
        var reader = file.Reader!;
        schema = null;
        value = null;
        switch (settings.InputFormat)
        {
            case "csv":
                var fields = CsvParser.ReadRecord(reader, settings.CsvSeparator);
                if (fields is null)
                {
                    return false;
                }

                if (fields is [""] && file.RowSchema!.Fields.Count > 1)
                {
                    return TryRead(file, settings, out schema, out value);
                }

                var row = new Struct(file.RowSchema!);
                for (var i = 0; i < fields.Count; i++)
                {
                    row.Put(file.RowSchema!.Fields[i].Name, fields[i]);
                }

                schema = file.RowSchema;
                value = row;
                return true;
            case "json":
                string? line;
                do
                {
                    line = reader.ReadLine(acceptUnterminated: true);
                }
                while (line is not null && string.IsNullOrWhiteSpace(line));

                if (line is null)
                {
                    return false;
                }

                value = SchemalessJson.Parse(line);
                return true;
            default:
                var text = reader.ReadLine(acceptUnterminated: true);
                value = text;
                schema = Schema.StringSchema;
                return text is not null;
        }
    }

    /// <summary>Reads the whole file once; the first line that cannot be parsed, or null when all can.</summary>
    public static SpoolProblem? Validate(SpoolFile file, SpoolDirSettings settings)
    {
        var reader = file.Reader!;
        if (settings.InputFormat == "json")
        {
            while (true)
            {
                var position = reader.Position;
                var line = reader.ReadLine(acceptUnterminated: true);
                if (line is null)
                {
                    return null;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                try
                {
                    using var document = JsonDocument.Parse(line);
                }
                catch (JsonException e)
                {
                    return new SpoolProblem(reader.LinesRead, position, line, $"not valid JSON: {e.Message}");
                }
            }
        }

        int columns;
        try
        {
            var header = CsvParser.ReadRecord(reader, settings.CsvSeparator);
            if (header is null)
            {
                return new SpoolProblem(0, 0, string.Empty, "the file is empty: a CSV file needs a header row");
            }

            columns = BuildRowSchema(header).Fields.Count;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return new SpoolProblem(1, 0, string.Empty, $"bad CSV header: {e.Message}");
        }

        while (true)
        {
            var position = reader.Position;
            List<string>? fields;
            try
            {
                fields = CsvParser.ReadRecord(reader, settings.CsvSeparator);
            }
            catch (FormatException e)
            {
                return new SpoolProblem(reader.LinesRead, position, string.Empty, $"bad CSV: {e.Message}");
            }

            if (fields is null)
            {
                return null;
            }

            if (fields.Count != columns && !(fields is [""] && columns > 1))
            {
                return new SpoolProblem(reader.LinesRead, position, string.Join(settings.CsvSeparator, fields),
                    $"the row has {fields.Count} fields but the header names {columns} columns");
            }
        }
    }

    private static Schema BuildRowSchema(List<string> header)
    {
        var builder = SchemaBuilder.Struct().Name("spooldir.csv.row");
        for (var i = 0; i < header.Count; i++)
        {
            var name = string.IsNullOrWhiteSpace(header[i]) ? $"column{i + 1}" : header[i].Trim();
            builder.Field(name, Schema.OptionalStringSchema);
        }

        return builder.Build();
    }
}
