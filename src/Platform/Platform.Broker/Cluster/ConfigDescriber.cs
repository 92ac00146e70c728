using Microsoft.Extensions.Options;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>One config entry as DescribeConfigs and CreateTopics report it.</summary>
public sealed record ConfigEntry(string Name, string? Value, bool ReadOnly, sbyte ConfigSource, bool IsSensitive, sbyte ConfigType, string? Documentation, IReadOnlyList<ConfigSynonym> Synonyms);

public sealed record ConfigSynonym(string Name, string? Value, sbyte Source);

/// <summary>Lists topic and broker configs with their sources, Kafka's way.</summary>
public sealed class ConfigDescriber(IOptions<BrokerOptions> options, ClusterInfo cluster, Replication.ReplicationThrottle throttle)
{
    public const sbyte ResourceTopic = 2;
    public const sbyte ResourceBroker = 4;

    public const sbyte SourceTopic = 1;
    public const sbyte SourceDynamicBroker = 2;
    public const sbyte SourceDynamicDefaultBroker = 3;
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

    /// <summary>
    /// Every broker setting with its value and source (static when configured, else default); the synonyms
    /// are the keys that set the same thing, most specific first (<c>log.retention.ms</c>, <c>.minutes</c>,
    /// <c>.hours</c>), then the default. Only the replication throttle rates change at run time; every other entry is read-only.
    /// </summary>
    public IEnumerable<ConfigEntry> DescribeBroker(IReadOnlyCollection<string>? keys, bool includeSynonyms)
    {
        foreach (var setting in BrokerOptions.Settings)
        {
            if (keys is { Count: > 0 } && !keys.Contains(setting.Name))
            {
                continue;
            }

            var source = setting.IsSet(_options) ? SourceStaticBroker : SourceDefault;
            var synonyms = new List<ConfigSynonym>();
            if (includeSynonyms)
            {
                if (source == SourceStaticBroker)
                {
                    synonyms.Add(new(setting.Name, setting.ValueOf(_options), SourceStaticBroker));
                }

                foreach (var other in BrokerOptions.Settings.Where(s => s.Target == setting.Target).SelectMany(s => s.Aliases.Prepend(s.Name)))
                {
                    if (other != setting.Name && _options.Configured.TryGetValue(other, out var text))
                    {
                        synonyms.Add(new(other, text, SourceStaticBroker));
                    }
                }

                synonyms.Add(new(setting.Name, setting.DefaultValue, SourceDefault));
            }

            yield return new ConfigEntry(setting.Name, setting.ValueOf(_options), ReadOnly: true, source, IsSensitive: false, ConfigTypeOf(setting.Type), setting.Documentation, synonyms);
        }

        foreach (var name in (string[])[Replication.ReplicationThrottle.LeaderRateConfig, Replication.ReplicationThrottle.FollowerRateConfig])
        {
            if (keys is { Count: > 0 } && !keys.Contains(name))
            {
                continue;
            }

            yield return DescribeRate(name, includeSynonyms);
        }
    }

    /// <summary>A replication throttle rate: this broker's own dynamic value over the cluster default's over unlimited (Long.MAX_VALUE, as Kafka shows it).</summary>
    private ConfigEntry DescribeRate(string name, bool includeSynonyms)
    {
        var synonyms = new List<ConfigSynonym>();
        if (throttle.Configs(NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture)).TryGetValue(name, out var own))
        {
            synonyms.Add(new(name, own, SourceDynamicBroker));
        }

        if (throttle.Configs(Replication.ReplicationThrottle.DefaultResource).TryGetValue(name, out var fallback))
        {
            synonyms.Add(new(name, fallback, SourceDynamicDefaultBroker));
        }

        synonyms.Add(new(name, long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), SourceDefault));
        var effective = synonyms[0];
        return new ConfigEntry(name, effective.Value, ReadOnly: false, effective.Source, IsSensitive: false, ConfigTypeOf(ConfigType.Long),
            "Bytes per second for replication traffic of the replicas a topic's *.replication.throttled.replicas lists.", includeSynonyms ? synonyms : []);
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
