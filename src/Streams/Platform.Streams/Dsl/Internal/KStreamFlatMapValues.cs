using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>FlatMapValues</c>: zero or more output records per input, all with the input's key.</summary>
internal sealed class KStreamFlatMapValues<TKey, TValue, TValueOut>(Func<TKey, TValue, IEnumerable<TValueOut>> mapper) : ContextualProcessor<TKey, TValue, TKey, TValueOut>
{
    public override void Process(Record<TKey, TValue> record)
    {
        var values = mapper(record.Key, record.Value);
        if (values is TValueOut[] array)
        {
            // Mappers mostly return arrays (string.Split): walked without an enumerator object per record.
            foreach (var value in array)
            {
                Context.Forward(new Record<TKey, TValueOut>(record.Key, value, record.Timestamp, record.Headers));
            }

            return;
        }

        foreach (var value in values)
        {
            Context.Forward(new Record<TKey, TValueOut>(record.Key, value, record.Timestamp, record.Headers));
        }
    }
}
