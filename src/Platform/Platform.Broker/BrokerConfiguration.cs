using System.Globalization;
using Microsoft.Extensions.Configuration;
using Platform.Broker.Cluster;

namespace Platform.Broker;

/// <summary>
/// Binds <see cref="BrokerOptions"/> from configuration keys spelled as in Kafka's
/// <c>server.properties</c> (<c>node.id</c>, <c>log.dirs</c>, <c>log.retention.ms</c>...). Environment
/// variables can use upper case and underscores (<c>PLATFORM_BROKER__LOG_RETENTION_MS</c>). Every
/// documented Kafka broker key is recognised: keys of features this broker has are honoured, keys of
/// features it lacks come back as warnings (one per key), and a key that is neither Kafka's nor ours,
/// or a malformed value, fails with a message naming the key.
/// </summary>
public static class BrokerConfiguration
{
    /// <summary>Binds <paramref name="section"/> into <paramref name="options"/>; returns one warning per Kafka key this broker does not support.</summary>
    public static IReadOnlyList<string> Bind(IConfiguration section, BrokerOptions options)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        foreach (var entry in section.GetChildren())
        {
            if (entry.Value is null)
            {
                errors.Add($"{entry.Path}: expected a value, found a section");
                continue;
            }

            var key = Normalize(entry.Key);
            try
            {
                if (Apply(options, key, entry.Value.Trim()) is { } warning)
                {
                    warnings.Add($"{entry.Path}: {warning}");
                }
            }
            catch (FormatException e)
            {
                errors.Add($"{entry.Path} ({key}): {e.Message}");
            }
            catch (OverflowException)
            {
                errors.Add($"{entry.Path} ({key}): '{entry.Value}' is out of range");
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(string.Join("; ", errors));
        }

        return warnings;
    }

    /// <summary>Lower case, with underscores read as dots, so environment variables can name every key.</summary>
    public static string Normalize(string key) => key.ToLowerInvariant().Replace('_', '.');

    /// <summary>Applies one key; returns a warning when the key is Kafka's but names a feature this broker lacks.</summary>
    private static string? Apply(BrokerOptions options, string key, string value)
    {
        switch (key)
        {
            case "node.id" or "broker.id":
                options.NodeId = Int(value);
                break;
            case "listeners" or "listen":
                options.Listen = StripScheme(value);
                break;
            case "advertised.listeners" or "advertise":
                options.Advertise = StripScheme(value);
                break;
            case "log.dirs" or "log.dir" or "data.dir":
                options.DataDir = value;
                break;
            case "auto.create.topics.enable":
                options.AutoCreateTopicsEnable = Bool(value);
                break;
            case "num.partitions":
                options.NumPartitions = Int(value);
                break;
            case "max.partitions.per.request":
                options.MaxPartitionsPerRequest = Int(value);
                break;
            case "max.partitions":
                options.MaxPartitions = Int(value);
                break;
            case "max.open.segment.files":
                options.MaxOpenSegmentFiles = Int(value);
                break;
            case "default.replication.factor":
                options.DefaultReplicationFactor = short.Parse(value, CultureInfo.InvariantCulture);
                break;
            case "socket.request.max.bytes":
                options.SocketRequestMaxBytes = Int(value);
                break;
            case "fetch.max.bytes":
                options.FetchMaxBytes = Int(value);
                break;
            case "queued.max.request.bytes":
                options.QueuedMaxRequestBytes = Long(value);
                break;
            case "max.connections":
                options.MaxConnections = Int(value);
                break;
            case "max.connections.per.ip":
                options.MaxConnectionsPerIp = Int(value);
                break;
            case "max.connections.per.ip.overrides":
                options.MaxConnectionsPerIpOverrides = value;
                break;
            case "connections.max.idle.ms":
                options.ConnectionsMaxIdleMs = Long(value);
                break;
            case "socket.request.frame.timeout.ms":
                options.SocketRequestFrameTimeoutMs = Long(value);
                break;
            case "log.retention.check.interval.ms":
                options.LogRetentionCheckIntervalMs = Long(value);
                break;
            case "transaction.state.log.num.partitions":
                options.TransactionStateLogNumPartitions = Int(value);
                break;
            case "transaction.state.log.segment.bytes":
                options.TransactionStateLogSegmentBytes = Int(value);
                break;
            case "transaction.max.timeout.ms":
                options.TransactionMaxTimeoutMs = Int(value);
                break;
            case "transaction.abort.timed.out.transaction.cleanup.interval.ms":
                options.TransactionAbortTimedOutTransactionCleanupIntervalMs = Long(value);
                break;
            case "transactional.id.expiration.ms":
                options.TransactionalIdExpirationMs = Long(value);
                break;
            case "transaction.remove.expired.transaction.cleanup.interval.ms":
                options.TransactionRemoveExpiredTransactionCleanupIntervalMs = Long(value);
                break;
            case "producer.id.expiration.ms":
                options.ProducerIdExpirationMs = Long(value);
                break;
            case "producer.id.expiration.check.interval.ms":
                options.ProducerIdExpirationCheckIntervalMs = Long(value);
                break;
            case "delete.topic.enable":
                options.DeleteTopicEnable = Bool(value);
                break;
            case "offsets.topic.num.partitions":
                options.OffsetsTopicNumPartitions = Int(value);
                break;
            case "offsets.topic.segment.bytes":
                options.OffsetsTopicSegmentBytes = Int(value);
                break;
            case "offsets.retention.minutes":
                options.OffsetsRetentionMinutes = Long(value);
                break;
            case "offsets.retention.check.interval.ms":
                options.OffsetsRetentionCheckIntervalMs = Long(value);
                break;
            case "offset.metadata.max.bytes":
                options.OffsetMetadataMaxBytes = Int(value);
                break;
            case "group.min.session.timeout.ms":
                options.GroupMinSessionTimeoutMs = Int(value);
                break;
            case "group.max.session.timeout.ms":
                options.GroupMaxSessionTimeoutMs = Int(value);
                break;
            case "group.initial.rebalance.delay.ms":
                options.GroupInitialRebalanceDelayMs = Int(value);
                break;
            case "group.max.size":
                options.GroupMaxSize = Int(value);
                break;
            case "log.retention.hours":
                options.TopicDefaults["retention.ms"] = (Long(value) * 3_600_000).ToString(CultureInfo.InvariantCulture);
                break;
            case "log.retention.minutes":
                options.TopicDefaults["retention.ms"] = (Long(value) * 60_000).ToString(CultureInfo.InvariantCulture);
                break;
            case "log.roll.hours":
                options.TopicDefaults["segment.ms"] = (Long(value) * 3_600_000).ToString(CultureInfo.InvariantCulture);
                break;
            case "log.roll.jitter.hours":
                options.TopicDefaults["segment.jitter.ms"] = (Long(value) * 3_600_000).ToString(CultureInfo.InvariantCulture);
                break;
            case "log.cleaner.enable":
                options.LogCleanerEnable = Bool(value);
                break;
            case "log.cleaner.threads":
                options.LogCleanerThreads = Int(value);
                break;
            case "log.cleaner.backoff.ms":
                options.LogCleanerBackoffMs = Long(value);
                break;
            case "log.cleaner.dedupe.buffer.size":
                options.LogCleanerDedupeBufferSize = Long(value);
                break;
            case "log.cleaner.io.buffer.load.factor":
                options.LogCleanerIoBufferLoadFactor = Double(value);
                break;
            case "log.cleaner.io.buffer.size":
                options.LogCleanerIoBufferSize = Int(value);
                break;
            case "log.cleaner.io.max.bytes.per.second":
                options.LogCleanerIoMaxBytesPerSecond = Double(value);
                break;
            case "num.recovery.threads.per.data.dir":
                options.NumRecoveryThreadsPerDataDir = Int(value);
                break;
            case "log.flush.offset.checkpoint.interval.ms":
                options.LogFlushOffsetCheckpointIntervalMs = Long(value);
                break;
            case "log.flush.scheduler.interval.ms":
                options.LogFlushSchedulerIntervalMs = Long(value);
                break;
            case "offsets.topic.replication.factor" or "transaction.state.log.replication.factor" or "transaction.state.log.min.isr":
                // What a single broker does anyway when the value is 1; more asks for replication, which it lacks.
                return Int(value) == 1 ? null : $"'{value}' is not supported: this broker runs alone, so {key} is 1";
            default:
                if (TopicConfigSynonyms.TopicName(key) is { } topicKey)
                {
                    // Checked here so the message names the key as written (log.retention.ms), not its topic-level synonym.
                    if (Storage.LogConfig.FindDefinition(topicKey)!.Problem(value) is { } problem)
                    {
                        throw new FormatException($"invalid value '{value}': {problem}");
                    }

                    options.TopicDefaults[topicKey] = value;
                    break;
                }

                return KafkaBrokerConfigNames.Contains(key)
                    ? $"Kafka's {key} is not supported by this broker and is ignored"
                    : throw new FormatException("unknown broker config key (neither Kafka's nor this broker's)");
        }

        return null;
    }

    private static string StripScheme(string value)
    {
        var first = value.Split(',', StringSplitOptions.TrimEntries)[0];
        var scheme = first.IndexOf("://", StringComparison.Ordinal);
        return scheme >= 0 ? first[(scheme + 3)..] : first;
    }

    private static int Int(string value) => int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static long Long(string value) => long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double Double(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool Bool(string value)
        => bool.TryParse(value, out var result) ? result : throw new FormatException($"'{value}' is not true or false");
}
