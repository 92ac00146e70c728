namespace Platform.Streams.State;

/// <summary>A window store whose values carry the largest timestamp of the records aggregated into them (what DSL windowed aggregations use).</summary>
public interface ITimestampedWindowStore<TKey, TValue> : IWindowStore<TKey, ValueAndTimestamp<TValue>>
{
}
