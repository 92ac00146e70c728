using System.Globalization;
using Microsoft.Extensions.Configuration;
using Platform.Broker.Cluster;

namespace Platform.Broker;

/// <summary>
/// Binds <see cref="BrokerOptions"/> from configuration keys spelled as in Kafka's
/// <c>server.properties</c> (<c>node.id</c>, <c>log.dirs</c>, <c>log.retention.ms</c>...). Environment
/// variables can use upper case and underscores (<c>PLATFORM_BROKER__LOG_RETENTION_MS</c>). Unknown
/// keys and malformed values fail with a message naming the key.
/// </summary>
public static class BrokerConfiguration
{
    public static void Bind(IConfiguration section, BrokerOptions options)
    {
        var errors = new List<string>();
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
                Apply(options, key, entry.Value.Trim());
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
    }

    /// <summary>Lower case, with underscores read as dots, so environment variables can name every key.</summary>
    public static string Normalize(string key) => key.ToLowerInvariant().Replace('_', '.');

    private static void Apply(BrokerOptions options, string key, string value)
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
            default:
                var topicKey = TopicConfigSynonyms.TopicName(key) ?? throw new FormatException("unknown broker config key");
                // Checked here so the message names the key as written (log.retention.ms), not its topic-level synonym.
                if (Storage.LogConfig.FindDefinition(topicKey)!.Problem(value) is { } problem)
                {
                    throw new FormatException($"invalid value '{value}': {problem}");
                }

                options.TopicDefaults[topicKey] = value;
                break;
        }
    }

    private static string StripScheme(string value)
    {
        var first = value.Split(',', StringSplitOptions.TrimEntries)[0];
        var scheme = first.IndexOf("://", StringComparison.Ordinal);
        return scheme >= 0 ? first[(scheme + 3)..] : first;
    }

    private static int Int(string value) => int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static long Long(string value) => long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static bool Bool(string value)
        => bool.TryParse(value, out var result) ? result : throw new FormatException($"'{value}' is not true or false");
}
