namespace Platform.Client.Consumer.Fetching;

/// <summary>The consumer settings the fetch pipeline runs on (validated by the builder).</summary>
internal sealed record FetcherOptions
{
    public int FetchMinBytes { get; init; } = 1;

    public int FetchMaxWaitMs { get; init; } = 500;

    public int MaxPartitionFetchBytes { get; init; } = 1048576;

    public int FetchMaxBytes { get; init; } = 52428800;

    public IsolationLevel IsolationLevel { get; init; } = IsolationLevel.ReadUncommitted;

    /// <summary><c>auto.offset.reset</c>; <see cref="OffsetReset.None"/> means "none": surface an error.</summary>
    public OffsetReset AutoOffsetReset { get; init; } = OffsetReset.Latest;

    public int RetryBackoffMs { get; init; } = 100;

    public int MetadataMaxAgeMs { get; init; } = 300000;

    public bool EnablePartitionEof { get; init; }
}
