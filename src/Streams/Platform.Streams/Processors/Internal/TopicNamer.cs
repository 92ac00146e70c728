namespace Platform.Streams.Processors.Internal;

/// <summary>Turns internal topic names (repartition topics) into the real ones, <c>&lt;application.id&gt;-&lt;name&gt;</c>.</summary>
internal sealed class TopicNamer(string applicationId, IReadOnlySet<string> internalTopics)
{
    /// <summary>The application id.</summary>
    public string ApplicationId { get; } = applicationId;

    /// <summary>The real name of <paramref name="topic"/>.</summary>
    public string Decorate(string topic) => internalTopics.Contains(topic) ? $"{ApplicationId}-{topic}" : topic;

    /// <summary>The changelog topic of a store: <c>&lt;application.id&gt;-&lt;store&gt;-changelog</c>.</summary>
    public string Changelog(string storeName) => $"{ApplicationId}-{storeName}-changelog";
}
