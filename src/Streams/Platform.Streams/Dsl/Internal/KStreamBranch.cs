using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>Split</c>: sends each record to the child of the first predicate that holds, else to the default child (if any).</summary>
internal sealed class KStreamBranch<TKey, TValue>(
    IReadOnlyList<Func<TKey, TValue, bool>> predicates,
    IReadOnlyList<string> childNames,
    string? defaultChild) : ContextualProcessor<TKey, TValue, TKey, TValue>
{
    public override void Process(Record<TKey, TValue> record)
    {
        for (var i = 0; i < predicates.Count; i++)
        {
            if (predicates[i](record.Key, record.Value))
            {
                Context.Forward(record, childNames[i]);
                return;
            }
        }

        if (defaultChild is not null)
        {
            Context.Forward(record, defaultChild);
        }
    }
}
