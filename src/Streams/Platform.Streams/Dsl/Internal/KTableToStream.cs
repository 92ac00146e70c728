using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>KTable.ToStream</c>: each update becomes a record with the new value (a delete: the type's default, null for references).</summary>
internal sealed class KTableToStream<TKey, TValue> : ContextualProcessor<TKey, Change<TValue>, TKey, TValue>
{
    public override void Process(Record<TKey, Change<TValue>> record)
        => Context.Forward(new Record<TKey, TValue>(record.Key, record.Value.NewValue, record.Timestamp, record.Headers));
}
