namespace Platform.Streams.State;

/// <summary>A key-value store whose values carry the timestamp of the record that set them (what DSL tables use).</summary>
public interface ITimestampedKeyValueStore<TKey, TValue> : IKeyValueStore<TKey, ValueAndTimestamp<TValue>>
{
}
