using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>FlatMapValues</c>: zero or more output records per input, all with the input's key.</summary>
internal sealed class KStreamFlatMapValues<TKey, TValue, TValueOut>(Func<TKey, TValue, IEnumerable<TValueOut>> mapper) : ContextualProcessor<TKey, TValue, TKey, TValueOut>
{
    public override void Process(Record<TKey, TValue> record)
    {
        foreach (var value in mapper(record.Key, record.Value))
        {
            Context.Forward(new Record<TKey, TValueOut>(record.Key, value, record.Timestamp, record.Headers));
        }
    }
}
