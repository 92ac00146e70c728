using Platform.Client.Serialization;

namespace Platform.Client.Producer;

/// <summary>The key or value serializer of a producer: synchronous (maybe span-writing) or asynchronous.</summary>
internal sealed class SerializerPair<T>(ISerializer<T>? sync, IAsyncSerializer<T>? async)
{
    public ISerializer<T>? Sync { get; } = sync;

    public ISpanSerializer<T>? Span { get; } = sync as ISpanSerializer<T>;

    public IAsyncSerializer<T>? Async { get; } = async;

    /// <summary>
    /// The built-in <c>byte[]</c> serializer (so <typeparamref name="T"/> is <c>byte[]</c>): the array is appended from
    /// where it is, without an interface call per record (over reference types the producer's code is shared, and
    /// a test of <c>typeof(T)</c> there costs a lookup per record too).
    /// </summary>
    public bool IsByteArray { get; } = ReferenceEquals(sync, Serializers.ByteArray);

    /// <summary>The built-in serializer of <see cref="Null"/>: every key or value is null.</summary>
    public bool IsNull { get; } = ReferenceEquals(sync, Serializers.Null);
}
