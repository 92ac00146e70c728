namespace Platform.Connectors.Http.Common;

/// <summary>
/// The <c>http.headers</c> value: <c>Name:Value</c> pairs separated by <c>|</c> (as Confluent's HTTP sink), since
/// header values may hold commas.
/// </summary>
internal static class HeaderList
{
    /// <summary>The pairs, or null with <paramref name="problem"/> saying which entry is wrong.</summary>
    public static List<KeyValuePair<string, string>>? TryParse(string? text, out string? problem)
    {
        problem = null;
        var headers = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return headers;
        }

        foreach (var entry in text.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                problem = $"'{entry}' is not Name:Value";
                return null;
            }

            headers.Add(new(entry[..colon].Trim(), entry[(colon + 1)..].Trim()));
        }

        return headers;
    }

    /// <summary>A config validator.</summary>
    public static string? Validate(string key, object? value)
    {
        TryParse(value as string, out var problem);
        return problem;
    }

    /// <summary>Adds the headers to a request (content headers to its content).</summary>
    public static void Apply(HttpRequestMessage request, IEnumerable<KeyValuePair<string, string>> headers)
    {
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }
}
