namespace Platform.Streams.State.Internal;

/// <summary>A typed store that may cache: the DSL's aggregations forward what it flushes instead of every update.</summary>
internal interface ICachedStateStore<TKey, TValue>
{
    /// <summary>Sets who receives flushed entries; false when the store does not cache (then the caller forwards each update itself).</summary>
    bool SetFlushListener(CacheFlushListener<TKey, TValue> listener, bool sendOldValues);
}
