using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Forwards every record unchanged: the node of <c>Merge</c> and of each branch of <c>Split</c>.</summary>
internal sealed class PassThrough<TKey, TValue> : ContextualProcessor<TKey, TValue, TKey, TValue>
{
    public override void Process(Record<TKey, TValue> record) => Context.Forward(record);
}
