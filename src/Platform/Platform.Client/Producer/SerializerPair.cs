using Platform.Client.Serialization;

namespace Platform.Client.Producer;

/// <summary>The key or value serializer of a producer: synchronous (maybe span-writing) or asynchronous.</summary>
internal sealed class SerializerPair<T>(ISerializer<T>? sync, IAsyncSerializer<T>? async)
{
    public ISerializer<T>? Sync { get; } = sync;

    public ISpanSerializer<T>? Span { get; } = sync as ISpanSerializer<T>;

    public IAsyncSerializer<T>? Async { get; } = async;
}
