using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>Map</c> and <c>SelectKey</c>: one output record per input with a new key and value.</summary>
internal sealed class KStreamMap<TKey, TValue, TKeyOut, TValueOut>(Func<TKey, TValue, (TKeyOut Key, TValueOut Value)> mapper)
    : ContextualProcessor<TKey, TValue, TKeyOut, TValueOut>
{
    public override void Process(Record<TKey, TValue> record)
    {
        var (key, value) = mapper(record.Key, record.Value);
        Context.Forward(new Record<TKeyOut, TValueOut>(key, value, record.Timestamp, record.Headers));
    }
}
