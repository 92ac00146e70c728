using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The store of an aggregation, read and then written with the same key per record: when the store takes
/// serialized keys, the key is serialized once for both (Kafka serializes it twice), and the aggregate and its
/// timestamp are read and written as they are, without a <see cref="ValueAndTimestamp{T}"/> per record.
/// </summary>
internal sealed class AggregateStore<TKey, TValue>(ITimestampedKeyValueStore<TKey, TValue> store)
{
    private readonly ITimestampedSerializedKeyStore<TKey, TValue>? _serialized = store as ITimestampedSerializedKeyStore<TKey, TValue>;

    /// <summary>The store itself.</summary>
    public ITimestampedKeyValueStore<TKey, TValue> Store { get; } = store;

    /// <summary>The key's current aggregate and its timestamp, false when it has none; <paramref name="serializedKey"/> is for the write that follows.</summary>
    public bool TryGet(TKey key, out Bytes? serializedKey, out TValue value, out long timestamp)
    {
        if (_serialized is null)
        {
            serializedKey = null;
            var stored = Store.Get(key);
            (value, timestamp) = stored is null ? (default!, 0) : (stored.Value, stored.Timestamp);
            return stored is not null;
        }

        serializedKey = _serialized.KeyBytes(key);
        return _serialized.TryGet(serializedKey, out value, out timestamp);
    }

    /// <summary>Writes the key's new aggregate (not null) with its timestamp.</summary>
    public void Put(TKey key, Bytes? serializedKey, TValue value, long timestamp)
    {
        if (serializedKey is not null && _serialized is not null)
        {
            _serialized.Put(serializedKey, value, timestamp);
        }
        else
        {
            Store.Put(key, new ValueAndTimestamp<TValue>(value, timestamp));
        }
    }

    /// <summary>Deletes the key.</summary>
    public void Delete(TKey key, Bytes? serializedKey)
    {
        if (serializedKey is not null && _serialized is not null)
        {
            _serialized.Delete(serializedKey);
        }
        else
        {
            Store.Delete(key);
        }
    }
}
