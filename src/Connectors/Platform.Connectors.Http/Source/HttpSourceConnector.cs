using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connectors.Http.Common;

namespace Platform.Connectors.Http.Source;

/// <summary>
/// An HTTP ingest endpoint: clients POST a JSON object (one record), a JSON array (one record per element),
/// newline-delimited JSON (<c>application/x-ndjson</c>) or plain text lines, and get 200 only once the broker has
/// acknowledged every record of their request, so a 200 means durable and anything else means "send again".
/// Too many requests waiting for acknowledgement get 429, too many records not yet handed to the producer 503
/// (both with <c>Retry-After</c>); a malformed body gets 400 with what is wrong; a wrong or missing bearer token
/// 401 when <c>http.auth.token</c> is set. One task (one listening socket).
/// </summary>
public sealed class HttpSourceConnector : SourceConnector
{
    internal const string Listen = "http.listen";
    internal const string PathKey = "http.path";
    internal const string Topic = "topic";
    internal const string AuthToken = "http.auth.token";
    internal const string MaxPendingRequests = "http.max.pending.requests";
    internal const string MaxQueuedRecords = "http.max.queued.records";
    internal const string MaxBodyBytes = "http.max.body.bytes";
    internal const string AckTimeoutMs = "http.ack.timeout.ms";
    internal const string BatchSize = "batch.size";

    internal static readonly ConfigDef Definition = new ConfigDef()
        .Define(Listen, ConfigType.String, "127.0.0.1:8080", Importance.High,
            "host:port to listen on; host is an IP address, localhost, or * (all interfaces).", ListenAddress.Validate)
        .Define(PathKey, ConfigType.String, "/", Importance.Medium, "The path that accepts POSTs; other paths answer 404.",
            (_, v) => v is string s && s.StartsWith('/') ? null : "must start with '/'")
        .Define(Topic, ConfigType.String, ConfigDef.NoDefault, Importance.High, "The topic records are written to.", ConfigDef.Validators.NonEmptyString())
        .Define(AuthToken, ConfigType.Password, null, Importance.High,
            "When set, requests must carry 'Authorization: Bearer <token>' or get 401.")
        .Define(MaxPendingRequests, ConfigType.Int, 256, Importance.Medium,
            "Requests waiting for their records to be acknowledged; one more is answered 429 with Retry-After.", ConfigDef.Validators.AtLeast(1))
        .Define(MaxQueuedRecords, ConfigType.Int, 100_000, Importance.Medium,
            "Records received but not yet handed to the producer; a request arriving when more are queued is answered 503 with Retry-After.",
            ConfigDef.Validators.AtLeast(1))
        .Define(MaxBodyBytes, ConfigType.Long, 10L * 1024 * 1024, Importance.Low, "The largest request body accepted (413 beyond).", ConfigDef.Validators.AtLeast(1))
        .Define(AckTimeoutMs, ConfigType.Long, 30_000L, Importance.Low,
            "How long a request waits for its acknowledgements before it is answered 504 (its records may still arrive: the client may retry and see duplicates).",
            ConfigDef.Validators.AtLeast(1))
        .Define(BatchSize, ConfigType.Int, 1000, Importance.Low, "The most records returned by one poll.", ConfigDef.Validators.AtLeast(1));

    private Dictionary<string, string> _config = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(HttpSourceTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        Definition.Parse(config);
        _config = new Dictionary<string, string>(config, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks) => [_config];

    /// <inheritdoc/>
    public override void Stop()
    {
    }
}
