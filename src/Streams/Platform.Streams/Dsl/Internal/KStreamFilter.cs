using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>Filter</c>/<c>FilterNot</c>: forwards the records whose predicate result differs from <c>filterNot</c>.</summary>
internal sealed class KStreamFilter<TKey, TValue>(Func<TKey, TValue, bool> predicate, bool filterNot) : ContextualProcessor<TKey, TValue, TKey, TValue>
{
    public override void Process(Record<TKey, TValue> record)
    {
        if (predicate(record.Key, record.Value) != filterNot)
        {
            Context.Forward(record);
        }
    }
}
