namespace Platform.Streams.State.Internal;

/// <summary>A timestamped store taking serialized keys that reads and writes value and timestamp apart, without a <see cref="ValueAndTimestamp{T}"/>.</summary>
internal interface ITimestampedSerializedKeyStore<TKey, TValue> : ISerializedKeyStore<TKey, ValueAndTimestamp<TValue>>
{
    /// <summary>The value and timestamp of a key serialized by <see cref="ISerializedKeyStore{TKey, TValue}.KeyBytes"/>; false when absent.</summary>
    bool TryGet(Bytes key, out TValue value, out long timestamp);

    /// <summary>Writes a value (not null) with its timestamp for a key serialized by <see cref="ISerializedKeyStore{TKey, TValue}.KeyBytes"/>.</summary>
    void Put(Bytes key, TValue value, long timestamp);
}
