namespace Platform.Streams.Runtime;

/// <summary>Source topics of the topology do not exist (Kafka's <c>MissingSourceTopicException</c>): create them first.</summary>
public sealed class StreamsMissingSourceTopicException : InvalidOperationException
{
    /// <summary>The exception naming <paramref name="topics"/>.</summary>
    public StreamsMissingSourceTopicException(IReadOnlyList<string> topics)
        : base($"Source topic(s) {string.Join(", ", topics)} of the topology do not exist; create them before starting the application (source topics are never auto-created).")
    {
        Topics = topics;
    }

    /// <summary>The missing topics.</summary>
    public IReadOnlyList<string> Topics { get; }
}
