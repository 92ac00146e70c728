using Platform.Client;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Receives a session a caching session store flushed, typed: the new aggregate (absent: the session was
/// removed) and, if asked for, the one it replaced. Flags rather than nulls, as aggregates may be value types.
/// </summary>
internal delegate void SessionFlushListener<TKey, TValue>(Windowed<TKey> session, bool hasNew, TValue newValue, bool hasOld, TValue oldValue, Headers? headers);
