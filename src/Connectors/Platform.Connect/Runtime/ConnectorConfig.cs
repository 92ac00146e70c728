using Platform.Connect.Config;

namespace Platform.Connect.Runtime;

/// <summary>
/// The keys the runtime reads from every connector configuration, with Kafka Connect's names and meanings; the
/// connector's own keys come from its <see cref="Connectors.Connector.Config"/>. Where the default differs from
/// Kafka's the documentation says so.
/// </summary>
public static class ConnectorConfig
{
#pragma warning disable CS1591 // The constants are the documented key names below.
    public const string Name = "name";
    public const string ConnectorClass = "connector.class";
    public const string TasksMax = "tasks.max";
    public const string KeyConverter = "key.converter";
    public const string ValueConverter = "value.converter";
    public const string HeaderConverter = "header.converter";
    public const string Transforms = "transforms";
    public const string Predicates = "predicates";
    public const string ErrorsRetryTimeout = "errors.retry.timeout";
    public const string ErrorsRetryDelayMax = "errors.retry.delay.max.ms";
    public const string ErrorsTolerance = "errors.tolerance";
    public const string ErrorsLogEnable = "errors.log.enable";
    public const string ErrorsLogIncludeMessages = "errors.log.include.messages";
    public const string DlqTopic = "errors.deadletterqueue.topic.name";
    public const string DlqReplicationFactor = "errors.deadletterqueue.topic.replication.factor";
    public const string DlqContextHeaders = "errors.deadletterqueue.context.headers.enable";
    public const string Topics = "topics";
    public const string TopicsRegex = "topics.regex";
    public const string ExactlyOnceSupport = "exactly.once.support";
    public const string TransactionBoundary = "transaction.boundary";
#pragma warning restore CS1591

    /// <summary>The keys every connector takes.</summary>
    public static ConfigDef Common { get; } = new ConfigDef()
        .Define(Name, ConfigType.String, ConfigDef.NoDefault, Importance.High, "Globally unique name of the connector.", ConfigDef.Validators.NonEmptyString(), "Common")
        .Define(ConnectorClass, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "The connector plugin: full type name, simple name, or simple name without the 'Connector' suffix.", ConfigDef.Validators.NonEmptyString(), "Common")
        .Define(TasksMax, ConfigType.Int, 1, Importance.High, "Maximum number of tasks for this connector.", ConfigDef.Validators.AtLeast(1), "Common")
        .Define(KeyConverter, ConfigType.String, "json", Importance.Low,
            "Converter of record keys: json, string, bytes or a class name (org.apache.kafka.connect.json.JsonConverter, ...). Options under 'key.converter.'.", null, "Common")
        .Define(ValueConverter, ConfigType.String, "json", Importance.Low,
            "Converter of record values; json is written without the schema envelope unless value.converter.schemas.enable=true.", null, "Common")
        .Define(HeaderConverter, ConfigType.String, "string", Importance.Low, "Converter of header values (string: UTF-8 text).", null, "Common")
        .Define(Transforms, ConfigType.List, Array.Empty<string>(), Importance.Low,
            "Aliases of the transformations to apply, in order; each configured under 'transforms.ALIAS.' with its 'type'.", null, "Transforms")
        .Define(Predicates, ConfigType.List, Array.Empty<string>(), Importance.Low,
            "Aliases of the predicates used by transformations; each configured under 'predicates.ALIAS.' with its 'type'.", null, "Predicates")
        .Define(ErrorsRetryTimeout, ConfigType.Long, 300000L, Importance.Medium,
            "How long a retriable failure (database down, HTTP 5xx, broker unavailable) is retried, in ms; -1 retries forever, 0 fails at once. Kafka's default is 0; ours retries 5 minutes.",
            (_, v) => v is long l && l < -1 ? "must be -1 or more" : null, "Error Handling")
        .Define(ErrorsRetryDelayMax, ConfigType.Long, 60000L, Importance.Medium, "The longest wait between retries, in ms (the wait doubles from 300 ms).",
            ConfigDef.Validators.AtLeast(1), "Error Handling")
        .Define(ErrorsTolerance, ConfigType.String, "none", Importance.Medium,
            "none: a record error fails the task. all: bad records are skipped (and sent to the dead-letter topic when set).", null, "Error Handling", ["none", "all"])
        .Define(ErrorsLogEnable, ConfigType.Boolean, false, Importance.Medium, "Log every tolerated error with its context.", null, "Error Handling")
        .Define(ErrorsLogIncludeMessages, ConfigType.Boolean, false, Importance.Low, "Include the record (topic, partition, offset) in error logs.", null, "Error Handling")
        .Define(DlqTopic, ConfigType.String, "", Importance.Medium,
            "Dead-letter topic for records that failed under errors.tolerance=all, for sink and source connectors alike; empty: none.", null, "Error Handling")
        .Define(DlqReplicationFactor, ConfigType.Int, 1, Importance.Low, "Replication factor of the dead-letter topic when it is created.", ConfigDef.Validators.AtLeast(1), "Error Handling")
        .Define(DlqContextHeaders, ConfigType.Boolean, true, Importance.Low,
            "Add __connect.errors.* headers (topic, partition, offset, connector, task, stage, exception) to dead-letter records. Kafka's default is false.", null, "Error Handling");

    /// <summary>The keys of sink connectors.</summary>
    public static ConfigDef Sink { get; } = new ConfigDef()
        .Define(Topics, ConfigType.List, Array.Empty<string>(), Importance.High, "Topics to consume (this or topics.regex).", null, "Common")
        .Define(TopicsRegex, ConfigType.String, "", Importance.High, "Regular expression of topics to consume (this or topics).", ValidRegex, "Common");

    /// <summary>The keys of source connectors.</summary>
    public static ConfigDef Source { get; } = new ConfigDef()
        .Define(ExactlyOnceSupport, ConfigType.String, "requested", Importance.Medium,
            "required: records and source offsets are written in one transaction per poll (the connector must support it). requested: at-least-once.",
            null, "Exactly Once Support", ["requested", "required"])
        .Define(TransactionBoundary, ConfigType.String, "poll", Importance.Medium, "Transaction boundary for exactly-once: one transaction per poll batch.",
            null, "Exactly Once Support", ["poll"]);

    private static string? ValidRegex(string key, object? value)
    {
        if (value is not string { Length: > 0 } pattern)
        {
            return null;
        }

        try
        {
            _ = new System.Text.RegularExpressions.Regex(pattern);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"not a valid regular expression: {e.Message}";
        }
    }
}
