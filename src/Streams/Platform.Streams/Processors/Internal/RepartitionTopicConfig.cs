namespace Platform.Streams.Processors.Internal;

/// <summary>A repartition topic: its undecorated name, its partition count (null: the upstream input's), and topic configs.</summary>
/// <param name="Name">The name without the application id.</param>
/// <param name="NumberOfPartitions">A fixed partition count, or null to take the upstream sub-topology's.</param>
/// <param name="TopicConfigs">Topic configs beyond the defaults.</param>
internal sealed record RepartitionTopicConfig(string Name, int? NumberOfPartitions = null, IReadOnlyDictionary<string, string>? TopicConfigs = null)
{
    /// <summary>Kafka's repartition topic configs: deleted, never by time (the application purges it), small segments.</summary>
    public static IReadOnlyDictionary<string, string> DefaultConfigs { get; } = new Dictionary<string, string>
    {
        ["cleanup.policy"] = "delete",
        ["segment.bytes"] = "52428800",
        ["retention.ms"] = "-1",
    };
}
