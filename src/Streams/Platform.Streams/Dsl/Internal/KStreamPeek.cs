using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>Peek</c> (calls the action, forwards) and <c>Foreach</c> (calls the action, forwards nothing).</summary>
internal sealed class KStreamPeek<TKey, TValue>(Action<TKey, TValue> action, bool forward) : ContextualProcessor<TKey, TValue, TKey, TValue>
{
    public override void Process(Record<TKey, TValue> record)
    {
        action(record.Key, record.Value);
        if (forward)
        {
            Context.Forward(record);
        }
    }
}
