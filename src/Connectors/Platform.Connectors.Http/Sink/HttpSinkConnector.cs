using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connectors.Http.Common;

namespace Platform.Connectors.Http.Sink;

/// <summary>
/// Sends records to an HTTP API as JSON arrays of up to <c>batch.size</c> values. 5xx, 408, 429, timeouts and
/// network errors are retried in the task with exponential backoff (<c>retry.backoff.ms</c> doubling up to
/// <c>retry.backoff.max.ms</c>, <c>max.retries</c> times), then handed to the runtime as a
/// <see cref="Platform.Connect.RetriableException"/> so it redelivers the batch later. A 4xx rejects a batch: its
/// records are then sent one by one, and each one rejected again goes to the runtime's error handling (the
/// dead-letter topic under <c>errors.tolerance=all</c>). Delivery is at-least-once.
/// </summary>
public sealed class HttpSinkConnector : SinkConnector
{
    internal const string ApiUrl = "http.api.url";
    internal const string Method = "http.method";
    internal const string Headers = "http.headers";
    internal const string BatchSize = "batch.size";
    internal const string TimeoutMs = "http.timeout.ms";
    internal const string MaxRetries = "max.retries";
    internal const string RetryBackoffMs = "retry.backoff.ms";
    internal const string RetryBackoffMaxMs = "retry.backoff.max.ms";

    internal static readonly ConfigDef Definition = new ConfigDef()
        .Define(ApiUrl, ConfigType.String, ConfigDef.NoDefault, Importance.High, "The URL batches are sent to.",
            (_, v) => Uri.TryCreate(v as string, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
                ? null : "must be an absolute http or https URL")
        .Define(Method, ConfigType.String, "POST", Importance.Medium, "POST, PUT or PATCH.", allowedValues: ["POST", "PUT", "PATCH"])
        .Define(Headers, ConfigType.String, "", Importance.Medium,
            "Request headers as 'Name:Value' pairs separated by '|', e.g. 'Authorization:Bearer abc|X-Source:platform'.", HeaderList.Validate)
        .Define(BatchSize, ConfigType.Int, 100, Importance.Medium, "The most record values in one request's JSON array.", ConfigDef.Validators.AtLeast(1))
        .Define(TimeoutMs, ConfigType.Long, 30_000L, Importance.Low, "The timeout of one request; a timeout is retried.", ConfigDef.Validators.AtLeast(1))
        .Define(MaxRetries, ConfigType.Int, 5, Importance.Medium,
            "Retries of a failed request (5xx, 408, 429, timeout, network) before the batch is handed back to the runtime for a later redelivery.",
            ConfigDef.Validators.AtLeast(0))
        .Define(RetryBackoffMs, ConfigType.Long, 100L, Importance.Low, "The wait before the first retry; it doubles with each retry.", ConfigDef.Validators.AtLeast(0))
        .Define(RetryBackoffMaxMs, ConfigType.Long, 10_000L, Importance.Low, "The longest wait between retries.", ConfigDef.Validators.AtLeast(0));

    private Dictionary<string, string> _config = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(HttpSinkTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        Definition.Parse(config);
        _config = new Dictionary<string, string>(config, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
        => Enumerable.Range(0, Math.Max(1, maxTasks)).Select(_ => (IReadOnlyDictionary<string, string>)_config).ToList();

    /// <inheritdoc/>
    public override void Stop()
    {
    }
}
