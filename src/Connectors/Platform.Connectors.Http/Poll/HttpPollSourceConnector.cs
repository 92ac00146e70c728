using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connectors.Http.Common;

namespace Platform.Connectors.Http.Poll;

/// <summary>
/// Polls an HTTP API on a schedule (<c>poll.interval.ms</c>, or a Quartz <c>poll.cron</c> expression) and emits
/// the records found at a dotted path in the JSON response. Pages are followed by offset (<c>${offset}</c> in the
/// URL counts records read so far) or by cursor (<c>${cursor}</c> is the value at <c>http.response.cursor.path</c>
/// of the previous response); the position is the source offset, so a restart resumes where the last
/// acknowledged record was: in cursor mode by fetching that page again and skipping the records already taken.
/// 5xx, 408, 429 and network errors are retried with backoff by the runtime; other errors fail the task.
/// </summary>
public sealed class HttpPollSourceConnector : SourceConnector
{
    internal const string Url = "http.url";
    internal const string Method = "http.method";
    internal const string Headers = "http.headers";
    internal const string Body = "http.request.body";
    internal const string PaginationMode = "http.pagination.mode";
    internal const string RecordsPath = "http.response.records.path";
    internal const string CursorPath = "http.response.cursor.path";
    internal const string KeyPath = "http.record.key.path";
    internal const string InitialOffset = "http.offset.initial";
    internal const string InitialCursor = "http.cursor.initial";
    internal const string TimeoutMs = "http.timeout.ms";
    internal const string PollIntervalMs = "poll.interval.ms";
    internal const string PollCron = "poll.cron";
    internal const string Topic = "topic";

    internal static readonly ConfigDef Definition = new ConfigDef()
        .Define(Url, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "The URL to poll; '${offset}' and '${cursor}' are replaced by the current position (the cursor URL-escaped).",
            (_, v) => Uri.TryCreate(((string?)v)?.Replace("${offset}", "0", StringComparison.Ordinal).Replace("${cursor}", "c", StringComparison.Ordinal), UriKind.Absolute, out var u)
                && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) ? null : "must be an absolute http or https URL")
        .Define(Method, ConfigType.String, "GET", Importance.Low, "GET, or POST with http.request.body.", allowedValues: ["GET", "POST"])
        .Define(Headers, ConfigType.String, "", Importance.Medium,
            "Request headers as 'Name:Value' pairs separated by '|', e.g. 'Authorization:Bearer abc|Accept:application/json'.", HeaderList.Validate)
        .Define(Body, ConfigType.String, "", Importance.Low, "The body of POST requests (JSON), with the same ${offset}/${cursor} placeholders.")
        .Define(PaginationMode, ConfigType.String, "none", Importance.High,
            "'none' (every poll fetches the URL and emits all records), 'offset' (${offset} advances by the records read; an empty page waits for the next poll) or 'cursor' (${cursor} takes the value at http.response.cursor.path; a missing, null or unchanged cursor waits for the next poll).",
            allowedValues: ["none", "offset", "cursor"])
        .Define(RecordsPath, ConfigType.String, "", Importance.High,
            "Dotted path to the array of records in the response, e.g. 'data.items'; empty: the response itself (an array, or an object as one record).")
        .Define(CursorPath, ConfigType.String, "", Importance.Medium, "Dotted path to the next cursor in the response (cursor pagination).")
        .Define(KeyPath, ConfigType.String, "", Importance.Low, "Dotted path, within each record, to the value used as the record key; empty: no key.")
        .Define(InitialOffset, ConfigType.Long, 0L, Importance.Low, "The offset of the first poll when none is stored.", ConfigDef.Validators.AtLeast(0))
        .Define(InitialCursor, ConfigType.String, "", Importance.Low, "The cursor of the first poll when none is stored.")
        .Define(TimeoutMs, ConfigType.Long, 30_000L, Importance.Low, "The timeout of one request; a timeout is retried.", ConfigDef.Validators.AtLeast(1))
        .Define(PollIntervalMs, ConfigType.Long, 60_000L, Importance.Medium, "Time between polls when poll.cron is not set.", ConfigDef.Validators.AtLeast(1))
        .Define(PollCron, ConfigType.String, null, Importance.Medium, "A Quartz cron expression (UTC) for the polls, e.g. '0 0/5 * * * ?'; overrides poll.interval.ms.")
        .Define(Topic, ConfigType.String, ConfigDef.NoDefault, Importance.High, "The topic records are written to.", ConfigDef.Validators.NonEmptyString());

    private Dictionary<string, string> _config = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(HttpPollSourceTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        HttpPollSettings.Parse(config);
        _config = new Dictionary<string, string>(config, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks) => [_config];

    /// <inheritdoc/>
    public override void Stop()
    {
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ConfigValue> Validate(IReadOnlyDictionary<string, string> config)
    {
        var values = base.Validate(config).ToList();
        if (config.GetValueOrDefault(PaginationMode, "none").Equals("cursor", StringComparison.OrdinalIgnoreCase)
            && string.IsNullOrWhiteSpace(config.GetValueOrDefault(CursorPath)))
        {
            var index = values.FindIndex(v => v.Name == CursorPath);
            values[index] = values[index] with { Errors = [HttpPollSettings.CursorPathRequired] };
        }

        return values;
    }
}
