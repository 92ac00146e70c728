using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>Map</c>: one output record per input with a new key and value.</summary>
internal sealed class KStreamMap<TKey, TValue, TKeyOut, TValueOut>(Func<TKey, TValue, (TKeyOut Key, TValueOut Value)> mapper)
    : ContextualProcessor<TKey, TValue, TKeyOut, TValueOut>
{
    public override void Process(Record<TKey, TValue> record)
    {
        var (key, value) = mapper(record.Key, record.Value);
        Context.Forward(new Record<TKeyOut, TValueOut>(key, value, record.Timestamp, record.Headers));
    }
}

/// <summary>
/// <c>SelectKey</c> and <c>GroupBy</c>'s key selection: the record with a new key. The selector is called as it is,
/// not through a <c>Map</c> of (key, value): a word count selects a key for every word.
/// </summary>
internal sealed class KStreamSelectKey<TKey, TValue, TKeyOut>(Func<TKey, TValue, TKeyOut> keySelector)
    : ContextualProcessor<TKey, TValue, TKeyOut, TValue>
{
    public override void Process(Record<TKey, TValue> record)
        => Context.Forward(new Record<TKeyOut, TValue>(keySelector(record.Key, record.Value), record.Value, record.Timestamp, record.Headers));
}
