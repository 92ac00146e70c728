using System.Collections.Frozen;

namespace Platform.Broker.Cluster;

/// <summary>
/// Kafka names a topic config one way on the topic (<c>retention.ms</c>) and another on the broker,
/// where it sets the default (<c>log.retention.ms</c>).
/// </summary>
public static class TopicConfigSynonyms
{
    private static readonly (string Topic, string Broker)[] Pairs =
    [
        ("cleanup.policy", "log.cleanup.policy"),
        ("retention.ms", "log.retention.ms"),
        ("retention.bytes", "log.retention.bytes"),
        ("segment.bytes", "log.segment.bytes"),
        ("segment.ms", "log.roll.ms"),
        ("segment.jitter.ms", "log.roll.jitter.ms"),
        ("segment.index.bytes", "log.index.size.max.bytes"),
        ("index.interval.bytes", "log.index.interval.bytes"),
        ("flush.messages", "log.flush.interval.messages"),
        ("flush.ms", "log.flush.interval.ms"),
        ("delete.retention.ms", "log.cleaner.delete.retention.ms"),
        ("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"),
        ("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms"),
        ("min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio"),
        ("max.message.bytes", "message.max.bytes"),
        ("message.timestamp.type", "log.message.timestamp.type"),
        ("message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms"),
        ("message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms"),
        ("local.retention.ms", "log.local.retention.ms"),
        ("local.retention.bytes", "log.local.retention.bytes"),
        ("file.delete.delay.ms", "log.segment.delete.delay.ms"),
        ("preallocate", "log.preallocate"),
        ("write.caching", "log.write.caching"),
    ];

    private static readonly FrozenDictionary<string, string> TopicToBroker = Pairs.ToFrozenDictionary(p => p.Topic, p => p.Broker, StringComparer.Ordinal);

    /// <summary>The broker-level name; configs without one (compression.type, min.insync.replicas...) share the topic name.</summary>
    public static string BrokerName(string topicName) => TopicToBroker.GetValueOrDefault(topicName, topicName);
}
