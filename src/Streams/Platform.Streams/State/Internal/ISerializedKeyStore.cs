namespace Platform.Streams.State.Internal;

/// <summary>
/// A typed store that also takes keys already serialized: an aggregation reads and then writes the same key,
/// and serializing it once for both saves an array and the serializer's work per record.
/// </summary>
internal interface ISerializedKeyStore<TKey, TValue>
{
    /// <summary>The serialized key, as the store's own reads and writes would serialize it.</summary>
    Bytes KeyBytes(TKey key);

    /// <summary>The value of a key serialized by <see cref="KeyBytes"/>, or default when absent.</summary>
    TValue? Get(Bytes key);

    /// <summary>Writes (null: deletes) the value of a key serialized by <see cref="KeyBytes"/>.</summary>
    void Put(Bytes key, TValue? value);

    /// <summary>Deletes a key serialized by <see cref="KeyBytes"/>, returning its old value or default.</summary>
    TValue? Delete(Bytes key);
}
