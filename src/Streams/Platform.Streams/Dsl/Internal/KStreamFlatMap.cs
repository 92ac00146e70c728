using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>FlatMap</c>: zero or more output records per input, each with the input's timestamp and headers.</summary>
internal sealed class KStreamFlatMap<TKey, TValue, TKeyOut, TValueOut>(Func<TKey, TValue, IEnumerable<(TKeyOut Key, TValueOut Value)>> mapper)
    : ContextualProcessor<TKey, TValue, TKeyOut, TValueOut>
{
    public override void Process(Record<TKey, TValue> record)
    {
        foreach (var (key, value) in mapper(record.Key, record.Value))
        {
            Context.Forward(new Record<TKeyOut, TValueOut>(key, value, record.Timestamp, record.Headers));
        }
    }
}
