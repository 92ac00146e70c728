using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>MapValues</c>: one output record per input with the same key and a new value.</summary>
internal sealed class KStreamMapValues<TKey, TValue, TValueOut>(Func<TKey, TValue, TValueOut> mapper) : ContextualProcessor<TKey, TValue, TKey, TValueOut>
{
    public override void Process(Record<TKey, TValue> record)
        => Context.Forward(new Record<TKey, TValueOut>(record.Key, mapper(record.Key, record.Value), record.Timestamp, record.Headers));
}
