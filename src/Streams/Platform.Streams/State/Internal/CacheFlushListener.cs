using Platform.Client;

namespace Platform.Streams.State.Internal;

/// <summary>Receives a typed entry a caching store flushed: the new value (default: deleted) and, if asked for, the old one.</summary>
internal delegate void CacheFlushListener<TKey, TValue>(TKey key, TValue? newValue, TValue? oldValue, long timestamp, Headers? headers);
