namespace Platform.Host.Commands;

/// <summary>Left-aligned columns padded to their widest cell, as Kafka's tools print them.</summary>
internal static class Table
{
    public static async Task WriteAsync(TextWriter writer, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        await writer.WriteLineAsync(Line(headers, widths)).ConfigureAwait(false);
        foreach (var row in all)
        {
            await writer.WriteLineAsync(Line(row, widths)).ConfigureAwait(false);
        }
    }

    private static string Line(string[] cells, int[] widths)
        => string.Join(" ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
