namespace Platform.Streams.Dsl.Internal;

/// <summary>A windowed aggregation producing a table: suppression until the window closes reads its grace period.</summary>
internal interface IWindowedAggregateSource
{
    /// <summary>The windows' grace period in ms.</summary>
    long GracePeriodMs { get; }
}
