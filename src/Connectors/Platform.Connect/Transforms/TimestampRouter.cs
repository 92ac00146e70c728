using System.Globalization;
using Platform.Connect.Config;

namespace Platform.Connect.Transforms;

/// <summary>Kafka's <c>TimestampRouter</c>: renames the topic with <c>topic.format</c> (<c>${topic}</c>, <c>${timestamp}</c>) and the record's timestamp in <c>timestamp.format</c>.</summary>
public sealed class TimestampRouter : ITransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("topic.format", ConfigType.String, "${topic}-${timestamp}", Importance.High, "The new topic name with ${topic} and ${timestamp}.")
        .Define("timestamp.format", ConfigType.String, "yyyyMMdd", Importance.High, "SimpleDateFormat pattern of ${timestamp} (UTC).");

    private string _topicFormat = "";
    private string _timestampFormat = "";

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        _topicFormat = parsed.GetString("topic.format")!;
        _timestampFormat = TimestampConverter.JavaPattern(parsed.GetString("timestamp.format")!);
    }

    /// <inheritdoc/>
    public ConnectRecord? Apply(ConnectRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var timestamp = record.Timestamp ?? throw new DataException($"Timestamp missing on record: {record}");
        var topic = _topicFormat.Replace("${topic}", record.Topic, StringComparison.Ordinal)
            .Replace("${timestamp}", timestamp.UtcDateTime.ToString(_timestampFormat, CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return record.NewRecord(topic, record.KafkaPartition, record.KeySchema, record.Key, record.ValueSchema, record.Value, record.Timestamp, record.Headers);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
