using System.Globalization;
using Microsoft.Extensions.Options;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>One config entry as DescribeConfigs and CreateTopics report it.</summary>
public sealed record ConfigEntry(string Name, string? Value, bool ReadOnly, sbyte ConfigSource, bool IsSensitive, sbyte ConfigType, string? Documentation, IReadOnlyList<ConfigSynonym> Synonyms);

public sealed record ConfigSynonym(string Name, string? Value, sbyte Source);

/// <summary>Lists topic and broker configs with their sources, Kafka's way.</summary>
public sealed class ConfigDescriber(IOptions<BrokerOptions> options, ClusterInfo cluster)
{
    public const sbyte ResourceTopic = 2;
    public const sbyte ResourceBroker = 4;

    public const sbyte SourceTopic = 1;
    public const sbyte SourceStaticBroker = 4;
    public const sbyte SourceDefault = 5;

    private readonly BrokerOptions _options = options.Value;

    public int NodeId => cluster.NodeId;

    public IEnumerable<ConfigEntry> DescribeTopic(TopicState topic, IReadOnlyCollection<string>? keys, bool includeSynonyms)
    {
        foreach (var definition in LogConfig.Definitions)
        {
            if (keys is { Count: > 0 } && !keys.Contains(definition.Name))
            {
                continue;
            }

            var synonyms = new List<ConfigSynonym>();
            string? value = definition.DefaultValue;
            var source = SourceDefault;
            if (_options.TopicDefaults.TryGetValue(definition.Name, out var brokerValue))
            {
                value = brokerValue;
                source = SourceStaticBroker;
                synonyms.Add(new(BrokerName(definition.Name), brokerValue, SourceStaticBroker));
            }

            if (topic.Overrides.TryGetValue(definition.Name, out var topicValue))
            {
                value = topicValue;
                source = SourceTopic;
                synonyms.Insert(0, new(definition.Name, topicValue, SourceTopic));
            }

            if (includeSynonyms)
            {
                synonyms.Add(new(definition.Name, definition.DefaultValue, SourceDefault));
            }

            yield return new ConfigEntry(definition.Name, definition.IsSensitive ? null : value, ReadOnly: false, source, definition.IsSensitive, ConfigTypeOf(definition.Type), definition.Documentation, includeSynonyms ? synonyms : []);
        }
    }

    public IEnumerable<ConfigEntry> DescribeBroker(IReadOnlyCollection<string>? keys)
    {
        var entries = new List<(string Name, string? Value, sbyte Type)>
        {
            ("node.id", cluster.NodeId.ToString(CultureInfo.InvariantCulture), 3),
            ("listeners", "PLAINTEXT://" + _options.Listen, 7),
            ("advertised.listeners", $"PLAINTEXT://{cluster.AdvertisedHost}:{cluster.AdvertisedPort}", 7),
            ("log.dirs", _options.DataDir, 2),
            ("num.partitions", _options.NumPartitions.ToString(CultureInfo.InvariantCulture), 3),
            ("default.replication.factor", _options.DefaultReplicationFactor.ToString(CultureInfo.InvariantCulture), 4),
            ("auto.create.topics.enable", _options.AutoCreateTopicsEnable ? "true" : "false", 1),
            ("delete.topic.enable", _options.DeleteTopicEnable ? "true" : "false", 1),
            ("socket.request.max.bytes", _options.SocketRequestMaxBytes.ToString(CultureInfo.InvariantCulture), 3),
            ("fetch.max.bytes", _options.FetchMaxBytes.ToString(CultureInfo.InvariantCulture), 3),
            ("queued.max.request.bytes", _options.QueuedMaxRequestBytes.ToString(CultureInfo.InvariantCulture), 5),
            ("max.connections", _options.MaxConnections.ToString(CultureInfo.InvariantCulture), 3),
            ("max.connections.per.ip", _options.MaxConnectionsPerIp.ToString(CultureInfo.InvariantCulture), 3),
            ("max.connections.per.ip.overrides", _options.MaxConnectionsPerIpOverrides, 2),
            ("connections.max.idle.ms", _options.ConnectionsMaxIdleMs.ToString(CultureInfo.InvariantCulture), 5),
            ("socket.request.frame.timeout.ms", _options.SocketRequestFrameTimeoutMs.ToString(CultureInfo.InvariantCulture), 5),
            ("log.retention.check.interval.ms", _options.LogRetentionCheckIntervalMs.ToString(CultureInfo.InvariantCulture), 5),
            ("producer.id.expiration.ms", _options.ProducerIdExpirationMs.ToString(CultureInfo.InvariantCulture), 3),
            ("producer.id.expiration.check.interval.ms", _options.ProducerIdExpirationCheckIntervalMs.ToString(CultureInfo.InvariantCulture), 3),
        };
        foreach (var definition in LogConfig.Definitions)
        {
            var value = _options.TopicDefaults.GetValueOrDefault(definition.Name) ?? definition.DefaultValue;
            entries.Add((BrokerName(definition.Name), value, ConfigTypeOf(definition.Type)));
        }

        foreach (var (name, value, type) in entries)
        {
            if (keys is { Count: > 0 } && !keys.Contains(name))
            {
                continue;
            }

            yield return new ConfigEntry(name, value, ReadOnly: true, SourceStaticBroker, IsSensitive: false, type, Documentation: null, []);
        }
    }

    /// <summary>The broker-level name of a topic config (<c>retention.ms</c> is <c>log.retention.ms</c> on the broker).</summary>
    public static string BrokerName(string topicName) => TopicConfigSynonyms.BrokerName(topicName);

    private static sbyte ConfigTypeOf(ConfigType type) => type switch
    {
        ConfigType.Boolean => 1,
        ConfigType.String => 2,
        ConfigType.Int => 3,
        ConfigType.Long => 5,
        ConfigType.Double => 6,
        ConfigType.List => 7,
        _ => 0,
    };
}
