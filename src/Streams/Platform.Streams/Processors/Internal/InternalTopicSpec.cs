namespace Platform.Streams.Processors.Internal;

/// <summary>An internal topic the runtime creates: repartition or changelog, with its configs and where its partition count comes from.</summary>
/// <param name="Name">The real name (with the application id).</param>
/// <param name="IsChangelog">Changelog (compacted) or repartition topic.</param>
/// <param name="Subtopology">For changelogs: the sub-topology whose task count is the partition count. For repartition topics: the sub-topology that reads it.</param>
/// <param name="NumberOfPartitions">A fixed partition count, or null to derive it.</param>
/// <param name="Configs">Topic configs.</param>
internal sealed record InternalTopicSpec(string Name, bool IsChangelog, int Subtopology, int? NumberOfPartitions, IReadOnlyDictionary<string, string> Configs);
