using Platform.Streams.Processors;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Forwards a table's updates the way its store dictates, as Kafka's <c>TimestampedTupleForwarder</c>: when the
/// store caches, updates go downstream when the cache flushes (commit or eviction), one per key with the value
/// before the interval as old value; when it does not, each update goes downstream at once. Old values are sent
/// only when a downstream operator asked for them.
/// </summary>
internal sealed class TimestampedTupleForwarder<TKey, TValue>
{
    private readonly IProcessorContext<TKey, Change<TValue>> _context;
    private readonly bool _sendOldValues;
    private readonly bool _cached;

    public TimestampedTupleForwarder(IStateStore store, IProcessorContext<TKey, Change<TValue>> context, bool sendOldValues)
    {
        _context = context;
        _sendOldValues = sendOldValues;
        _cached = store is ICachedStateStore<TKey, ValueAndTimestamp<TValue>> cached
            && cached.SetFlushListener(
                (key, newValue, oldValue, timestamp, headers) => context.Forward(new Record<TKey, Change<TValue>>(
                    key,
                    new Change<TValue>(newValue is null ? default! : newValue.Value, newValue is not null, oldValue is null ? default! : oldValue.Value, sendOldValues && oldValue is not null),
                    newValue?.Timestamp ?? timestamp,
                    headers)),
                sendOldValues);
    }

    /// <summary>Forwards <paramref name="record"/> now unless the store's cache will forward it on flush.</summary>
    public void MaybeForward(Record<TKey, Change<TValue>> record)
    {
        if (_cached)
        {
            return;
        }

        _context.Forward(_sendOldValues ? record : record with { Value = record.Value.WithoutOld() });
    }
}
