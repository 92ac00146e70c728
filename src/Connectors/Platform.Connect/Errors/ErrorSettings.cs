using Platform.Connect.Config;
using Platform.Connect.Runtime;

namespace Platform.Connect.Errors;

/// <summary>A connector's <c>errors.*</c> keys, parsed.</summary>
/// <param name="RetryTimeout">How long retriable failures are retried (null: forever).</param>
/// <param name="RetryDelayMax">The longest wait between retries.</param>
/// <param name="ToleranceAll">Whether bad records are skipped (<c>errors.tolerance=all</c>).</param>
/// <param name="LogEnable">Whether tolerated errors are logged.</param>
/// <param name="LogIncludeMessages">Whether logs include the record's coordinates.</param>
/// <param name="DeadLetterTopic">The dead-letter topic, or null.</param>
/// <param name="DeadLetterReplicationFactor">Its replication factor when created.</param>
/// <param name="ContextHeaders">Whether dead-letter records get <c>__connect.errors.*</c> headers.</param>
public sealed record ErrorSettings(
    TimeSpan? RetryTimeout,
    TimeSpan RetryDelayMax,
    bool ToleranceAll,
    bool LogEnable,
    bool LogIncludeMessages,
    string? DeadLetterTopic,
    short DeadLetterReplicationFactor,
    bool ContextHeaders)
{
    /// <summary>The first wait between retries; it doubles up to <see cref="RetryDelayMax"/>.</summary>
    public static readonly TimeSpan InitialRetryDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>The settings of a connector configuration.</summary>
    public static ErrorSettings From(IReadOnlyDictionary<string, string> config)
    {
        var parsed = ConnectorConfig.Common.Parse(config);
        var timeout = parsed.GetLong(ConnectorConfig.ErrorsRetryTimeout);
        var dlq = parsed.GetString(ConnectorConfig.DlqTopic);
        return new ErrorSettings(
            timeout < 0 ? null : TimeSpan.FromMilliseconds(timeout),
            TimeSpan.FromMilliseconds(parsed.GetLong(ConnectorConfig.ErrorsRetryDelayMax)),
            string.Equals(parsed.GetString(ConnectorConfig.ErrorsTolerance), "all", StringComparison.OrdinalIgnoreCase),
            parsed.GetBoolean(ConnectorConfig.ErrorsLogEnable),
            parsed.GetBoolean(ConnectorConfig.ErrorsLogIncludeMessages),
            string.IsNullOrWhiteSpace(dlq) ? null : dlq.Trim(),
            (short)parsed.GetInt(ConnectorConfig.DlqReplicationFactor),
            parsed.GetBoolean(ConnectorConfig.DlqContextHeaders));
    }
}
