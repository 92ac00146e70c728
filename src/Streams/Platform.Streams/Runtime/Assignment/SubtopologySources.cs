using System.Text.RegularExpressions;

namespace Platform.Streams.Runtime.Assignment;

/// <summary>
/// What the assignor needs of one sub-topology: the topics its tasks read (named, or matching a pattern)
/// and whether its tasks have changelogged stores (and so standbys and sticky placement matter).
/// </summary>
/// <param name="Id">The sub-topology number, the first half of its task ids.</param>
/// <param name="SourceTopics">The topics it reads by name (user topics and repartition topics).</param>
/// <param name="SourcePattern">The pattern of its pattern sources, or null.</param>
/// <param name="Stateful">Whether its tasks have stores with changelogs.</param>
internal sealed record SubtopologySources(int Id, IReadOnlyList<string> SourceTopics, Regex? SourcePattern, bool Stateful)
{
    /// <summary>Whether the sub-topology reads <paramref name="topic"/>.</summary>
    public bool Reads(string topic) => SourceTopics.Contains(topic, StringComparer.Ordinal) || SourcePattern?.IsMatch(topic) == true;
}
