namespace Platform.Client.Internal;

/// <summary>Settings of a <see cref="MetadataManager"/>.</summary>
internal sealed class MetadataManagerOptions
{
    /// <summary>Refresh at least this often even without errors (<c>metadata.max.age.ms</c>, 5 min).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The least time between two refresh attempts (<c>retry.backoff.ms</c>, 100 ms).</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Sent in Metadata v4+: lets a broker with <c>auto.create.topics.enable</c> create unknown topics (producer: true).</summary>
    public bool AllowAutoTopicCreation { get; init; }
}
