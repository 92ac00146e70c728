using System.Globalization;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// A partition's topic configuration: defaults overlaid with the topic's overrides. Immutable; an
/// AlterConfigs builds a new one and hands it to <see cref="PartitionLog.UpdateConfig"/>.
/// </summary>
public sealed partial class LogConfig
{
    private readonly Dictionary<string, object> _parsed;
    private readonly Dictionary<string, string> _values;

    private LogConfig(Dictionary<string, string> values, Dictionary<string, object> parsed, IReadOnlyDictionary<string, string> overrides)
    {
        _values = values;
        _parsed = parsed;
        Overrides = overrides;
        SegmentBytes = Get<int>(SegmentBytesConfig);
        SegmentMs = Get<long>(SegmentMsConfig);
        SegmentJitterMs = Get<long>(SegmentJitterMsConfig);
        SegmentIndexBytes = Get<int>(SegmentIndexBytesConfig);
        RetentionMs = Get<long>(RetentionMsConfig);
        RetentionBytes = Get<long>(RetentionBytesConfig);
        var policy = Get<string[]>(CleanupPolicyConfig);
        Compact = policy.Contains("compact");
        Delete = policy.Contains("delete");
        DeleteRetentionMs = Get<long>(DeleteRetentionMsConfig);
        MinCompactionLagMs = Get<long>(MinCompactionLagMsConfig);
        MaxCompactionLagMs = Get<long>(MaxCompactionLagMsConfig);
        MinCleanableDirtyRatio = Get<double>(MinCleanableDirtyRatioConfig);
        MaxMessageBytes = Get<int>(MaxMessageBytesConfig);
        FlushMessages = Get<long>(FlushMessagesConfig);
        FlushMs = Get<long>(FlushMsConfig);
        IndexIntervalBytes = Get<int>(IndexIntervalBytesConfig);
        MessageTimestampType = Get<string>(MessageTimestampTypeConfig) == "LogAppendTime" ? TimestampType.LogAppendTime : TimestampType.CreateTime;
        FileDeleteDelayMs = Get<long>(FileDeleteDelayMsConfig);
        CompressionType = Get<string>(CompressionTypeConfig);
        MinInSyncReplicas = Get<int>(MinInSyncReplicasConfig);
        UncleanLeaderElectionEnable = Get<bool>(UncleanLeaderElectionEnableConfig);
        WriteCaching = Get<bool>(WriteCachingConfig);
    }

    private static LogConfig? _default;

    /// <summary>Kafka's defaults, no overrides.</summary>
    public static LogConfig Default => LazyInitializer.EnsureInitialized(ref _default, () => Parse(new Dictionary<string, string>()));

    public int SegmentBytes { get; }

    public long SegmentMs { get; }

    public long SegmentJitterMs { get; }

    public int SegmentIndexBytes { get; }

    /// <summary>-1: keep forever.</summary>
    public long RetentionMs { get; }

    /// <summary>-1: no size limit.</summary>
    public long RetentionBytes { get; }

    /// <summary>cleanup.policy contains compact.</summary>
    public bool Compact { get; }

    /// <summary>cleanup.policy contains delete.</summary>
    public bool Delete { get; }

    public long DeleteRetentionMs { get; }

    public long MinCompactionLagMs { get; }

    public long MaxCompactionLagMs { get; }

    public double MinCleanableDirtyRatio { get; }

    public int MaxMessageBytes { get; }

    /// <summary>long.MaxValue: leave flushing to the OS.</summary>
    public long FlushMessages { get; }

    /// <summary>long.MaxValue: leave flushing to the OS.</summary>
    public long FlushMs { get; }

    public int IndexIntervalBytes { get; }

    public TimestampType MessageTimestampType { get; }

    public long FileDeleteDelayMs { get; }

    /// <summary>uncompressed, zstd, lz4, snappy, gzip or producer.</summary>
    public string CompressionType { get; }

    public int MinInSyncReplicas { get; }

    public bool UncleanLeaderElectionEnable { get; }

    /// <summary>
    /// write.caching (Redpanda's name): false makes acks=all wait for fsync and keeps the high watermark at the
    /// fsynced offset; true acknowledges and exposes records once they are in the page cache.
    /// </summary>
    public bool WriteCaching { get; }

    /// <summary>The values set explicitly (topic overrides), as given.</summary>
    public IReadOnlyDictionary<string, string> Overrides { get; }

    /// <summary>The effective value of every defined config, as strings.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>
    /// Builds a config from <paramref name="overrides"/> over <paramref name="defaults"/> (Kafka's
    /// defaults if null). Throws <see cref="LogException"/> (INVALID_CONFIG) listing every bad key.
    /// </summary>
    public static LogConfig Parse(IReadOnlyDictionary<string, string> overrides, LogConfig? defaults = null)
    {
        var errors = Validate(overrides, out var config, defaults);
        return errors.Count == 0
            ? config!
            : throw new LogException(ErrorCode.InvalidConfig, string.Join("; ", errors));
    }

    /// <summary>Checks <paramref name="overrides"/>; each error names the key and the value.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> overrides)
        => Validate(overrides, out _, null);

    /// <summary>This config with <paramref name="overrides"/> applied on top.</summary>
    public LogConfig With(IReadOnlyDictionary<string, string> overrides)
    {
        var merged = new Dictionary<string, string>(Overrides, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            merged[key] = value;
        }

        return Parse(merged);
    }

    private static List<string> Validate(IReadOnlyDictionary<string, string> overrides, out LogConfig? config, LogConfig? defaults)
    {
        var errors = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var parsed = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var definition in Definitions)
        {
            var fromOverride = overrides.TryGetValue(definition.Name, out var text);
            text = fromOverride ? text! : defaults?._values[definition.Name] ?? definition.DefaultValue;
            if (definition.TryParse(text, out var value, out var error))
            {
                values[definition.Name] = text;
                parsed[definition.Name] = value;
            }
            else
            {
                errors.Add(error!);
            }
        }

        foreach (var key in overrides.Keys)
        {
            if (!DefinitionsByName.ContainsKey(key))
            {
                errors.Add($"Unknown topic config name: {key}");
            }
        }

        if (errors.Count == 0 && (long)parsed[MinCompactionLagMsConfig] > (long)parsed[MaxCompactionLagMsConfig])
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"Invalid value {parsed[MinCompactionLagMsConfig]} for configuration {MinCompactionLagMsConfig}: must not be greater than {MaxCompactionLagMsConfig} ({parsed[MaxCompactionLagMsConfig]})"));
        }

        config = errors.Count == 0
            ? new LogConfig(values, parsed, new Dictionary<string, string>(overrides, StringComparer.Ordinal))
            : null;
        return errors;
    }

    private T Get<T>(string name) => (T)_parsed[name];
}
