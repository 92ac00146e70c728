using Platform.Connect.Config;
using Platform.Connectors.Http.Common;

namespace Platform.Connectors.Http.Poll;

/// <summary>A polling source's parsed configuration.</summary>
internal sealed record HttpPollSettings(
    string UrlTemplate,
    HttpMethod Method,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string BodyTemplate,
    string Mode,
    string RecordsPath,
    string CursorPath,
    string KeyPath,
    long InitialOffset,
    string InitialCursor,
    TimeSpan Timeout,
    TimeSpan PollInterval,
    string? PollCron,
    string Topic)
{
    public const string CursorPathRequired = "must be set when http.pagination.mode is cursor";

    /// <exception cref="ConfigException">A key is missing or invalid; names it.</exception>
    public static HttpPollSettings Parse(IReadOnlyDictionary<string, string> config)
    {
        var parsed = HttpPollSourceConnector.Definition.Parse(config);
        var mode = parsed.GetString(HttpPollSourceConnector.PaginationMode)!.ToLowerInvariant();
        var cursorPath = parsed.GetString(HttpPollSourceConnector.CursorPath) ?? "";
        if (mode == "cursor" && cursorPath.Length == 0)
        {
            throw new ConfigException(HttpPollSourceConnector.CursorPath, cursorPath, CursorPathRequired);
        }

        return new HttpPollSettings(
            parsed.GetString(HttpPollSourceConnector.Url)!,
            parsed.GetString(HttpPollSourceConnector.Method)!.Equals("POST", StringComparison.OrdinalIgnoreCase) ? HttpMethod.Post : HttpMethod.Get,
            HeaderList.TryParse(parsed.GetString(HttpPollSourceConnector.Headers), out _)!,
            parsed.GetString(HttpPollSourceConnector.Body) ?? "",
            mode,
            parsed.GetString(HttpPollSourceConnector.RecordsPath) ?? "",
            cursorPath,
            parsed.GetString(HttpPollSourceConnector.KeyPath) ?? "",
            parsed.GetLong(HttpPollSourceConnector.InitialOffset),
            parsed.GetString(HttpPollSourceConnector.InitialCursor) ?? "",
            TimeSpan.FromMilliseconds(parsed.GetLong(HttpPollSourceConnector.TimeoutMs)),
            TimeSpan.FromMilliseconds(parsed.GetLong(HttpPollSourceConnector.PollIntervalMs)),
            string.IsNullOrWhiteSpace(parsed.GetString(HttpPollSourceConnector.PollCron)) ? null : parsed.GetString(HttpPollSourceConnector.PollCron),
            parsed.GetString(HttpPollSourceConnector.Topic)!);
    }
}
