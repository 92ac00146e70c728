using Platform.Client;

namespace Platform.Streams.State.Internal;

/// <summary>Receives a window a caching window store flushed: the new value (null: deleted) and, if asked for, the value it replaced.</summary>
internal delegate void WindowFlushListener(Windowed<Bytes> window, byte[]? newValue, byte[]? oldValue, long timestamp, Headers? headers);
