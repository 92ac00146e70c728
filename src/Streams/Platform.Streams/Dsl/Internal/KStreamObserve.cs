using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary>The terminal processor of <see cref="KStreamObservableExtensions.AsObservable{TKey,TValue}"/>.</summary>
internal sealed class KStreamObserve<TKey, TValue>(ObservedStream<TKey, TValue> observed) : ContextualProcessor<TKey, TValue, TKey, TValue>
{
    public override void Process(Record<TKey, TValue> record) => observed.Publish(record);
}
