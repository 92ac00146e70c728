namespace Platform.Streams.State.Internal;

/// <summary>Stacks the byte layers of a key-value store: cache over changelog over the byte store.</summary>
internal static class Layers
{
    public static IKeyValueStore<Bytes, byte[]> Wrap(IKeyValueStore<Bytes, byte[]> store, bool logging, bool caching, bool timestamped)
    {
        if (logging)
        {
            store = new ChangeLoggingKeyValueBytesStore(store, timestamped);
        }

        if (caching)
        {
            store = new CachingKeyValueStore(store);
        }

        return store;
    }
}
