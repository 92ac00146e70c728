using Platform.Client;

namespace Platform.Streams.State.Internal;

/// <summary>Receives an entry a caching store flushed: the new value (null: deleted) and, if asked for, the value it replaced.</summary>
internal delegate void BytesFlushListener(Bytes key, byte[]? newValue, byte[]? oldValue, long timestamp, Headers? headers);
