using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The store of an aggregation, read and then written with the same key per record: when the store takes
/// serialized keys, the key is serialized once for both (Kafka serializes it twice).
/// </summary>
internal sealed class AggregateStore<TKey, TValue>(ITimestampedKeyValueStore<TKey, TValue> store)
{
    private readonly ISerializedKeyStore<TKey, ValueAndTimestamp<TValue>>? _serialized = store as ISerializedKeyStore<TKey, ValueAndTimestamp<TValue>>;

    /// <summary>The store itself.</summary>
    public ITimestampedKeyValueStore<TKey, TValue> Store { get; } = store;

    /// <summary>The key's current value; <paramref name="serializedKey"/> is for the write that follows.</summary>
    public ValueAndTimestamp<TValue>? Get(TKey key, out Bytes? serializedKey)
    {
        if (_serialized is null)
        {
            serializedKey = null;
            return Store.Get(key);
        }

        serializedKey = _serialized.KeyBytes(key);
        return _serialized.Get(serializedKey);
    }

    /// <summary>Writes the key's new value (null deletes it).</summary>
    public void Put(TKey key, Bytes? serializedKey, ValueAndTimestamp<TValue>? value)
    {
        if (serializedKey is not null && _serialized is not null)
        {
            _serialized.Put(serializedKey, value);
        }
        else
        {
            Store.Put(key, value);
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
