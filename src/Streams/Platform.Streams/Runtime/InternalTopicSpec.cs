namespace Platform.Streams.Runtime;

/// <summary>
/// An internal topic the application needs: a repartition topic (<c>&lt;application.id&gt;-&lt;name&gt;-repartition</c>)
/// or a store's changelog (<c>&lt;application.id&gt;-&lt;store&gt;-changelog</c>), with the partition count it must have
/// (its sub-topology's task count) and the topic configs it is created with.
/// </summary>
/// <param name="Name">The full topic name.</param>
/// <param name="Partitions">The partitions it must have.</param>
/// <param name="Configs">Topic configs (<c>cleanup.policy</c>, <c>retention.ms</c>, ...).</param>
internal sealed record InternalTopicSpec(string Name, int Partitions, IReadOnlyDictionary<string, string> Configs)
{
    /// <summary>Kafka's extra retention of windowed changelogs past the store's retention (<c>windowstore.changelog.additional.retention.ms</c>).</summary>
    public const long DefaultAdditionalRetentionMs = 86_400_000;

    /// <summary>A repartition topic: deleted by time never (the application consumes it), as Kafka creates them.</summary>
    public static InternalTopicSpec Repartition(string name, int partitions, IReadOnlyDictionary<string, string>? overrides = null)
        => new(name, partitions, Merge(
            new Dictionary<string, string>
            {
                ["cleanup.policy"] = "delete",
                ["retention.ms"] = "-1",
                ["segment.bytes"] = "52428800",
                ["message.timestamp.type"] = "CreateTime",
            },
            overrides));

    /// <summary>A key-value store's changelog: compacted, so it keeps the latest value of every key.</summary>
    public static InternalTopicSpec Changelog(string name, int partitions, IReadOnlyDictionary<string, string>? overrides = null)
        => new(name, partitions, Merge(
            new Dictionary<string, string>
            {
                ["cleanup.policy"] = "compact",
                ["message.timestamp.type"] = "CreateTime",
            },
            overrides));

    /// <summary>
    /// A window or session store's changelog: compacted and deleted by time (<c>compact,delete</c>) with the
    /// store's retention plus <paramref name="additionalRetentionMs"/>, since expired windows are never read again.
    /// </summary>
    public static InternalTopicSpec WindowedChangelog(string name, int partitions, long storeRetentionMs, long additionalRetentionMs = DefaultAdditionalRetentionMs, IReadOnlyDictionary<string, string>? overrides = null)
        => new(name, partitions, Merge(
            new Dictionary<string, string>
            {
                ["cleanup.policy"] = "compact,delete",
                ["retention.ms"] = checked(storeRetentionMs + additionalRetentionMs).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["message.timestamp.type"] = "CreateTime",
            },
            overrides));

    private static Dictionary<string, string> Merge(Dictionary<string, string> defaults, IReadOnlyDictionary<string, string>? overrides)
    {
        if (overrides is not null)
        {
            foreach (var (key, value) in overrides)
            {
                defaults[key] = value;
            }
        }

        return defaults;
    }
}
