using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Aggregation over tumbling or hopping windows (Kafka's <c>KStreamWindowAggregate</c>): each record updates
/// every window containing its timestamp that has not closed (end &gt; stream time - grace); for closed windows
/// the record is dropped and counted in <c>dropped-records</c>. The aggregate carries the largest timestamp
/// that went into it, which is also the timestamp of the update sent on.
/// </summary>
internal sealed class KStreamWindowAggregate<TKey, TValue, TAggregate>(
    Windows windows,
    string storeName,
    WindowAggregation<TKey, TValue, TAggregate> aggregation) : IKTableValueSource<Windowed<TKey>, TAggregate>, IWindowedAggregateSource
{
    private readonly Windows _windows = windows;
    private readonly string _storeName = storeName;
    private readonly WindowAggregation<TKey, TValue, TAggregate> _aggregation = aggregation;
    private bool _sendOldValues;

    public IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View() => new WindowStoreValueGetterSupplier<TKey, TAggregate>(_storeName);

    public long GracePeriodMs => _windows.GracePeriodMs;

    public bool EnableSendingOldValues(bool forceMaterialization) => _sendOldValues = true;

    private sealed class Processor(KStreamWindowAggregate<TKey, TValue, TAggregate> owner) : ContextualProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>
    {
        private ITimestampedWindowStore<TKey, TAggregate> _store = null!;
        private TimestampedTupleForwarder<Windowed<TKey>, TAggregate> _forwarder = null!;
        private long _observedStreamTime = -1;

        public override void Init(IProcessorContext<Windowed<TKey>, Change<TAggregate>> context)
        {
            base.Init(context);
            _store = context.GetStateStore<ITimestampedWindowStore<TKey, TAggregate>>(owner._storeName);
            _forwarder = new TimestampedTupleForwarder<Windowed<TKey>, TAggregate>(_store, context, owner._sendOldValues);
        }

        public override void Process(Record<TKey, TValue> record)
        {
            if (record.Key is null || record.Value is null)
            {
                DroppedRecords.Record(Context);
                return;
            }

            _observedStreamTime = Math.Max(_observedStreamTime, record.Timestamp);
            var closeTime = _observedStreamTime - owner._windows.GracePeriodMs;
            foreach (var window in owner._windows.WindowsFor(record.Timestamp))
            {
                if (window.EndMs <= closeTime)
                {
                    DroppedRecords.Record(Context);
                    continue;
                }

                var old = _store.Fetch(record.Key, window.StartMs);
                var timestamp = old is null ? record.Timestamp : Math.Max(record.Timestamp, old.Timestamp);
                var result = owner._aggregation.Add(record.Key, record.Value, old is not null, old is null ? default! : old.Value);
                _store.Put(record.Key, ValueAndTimestamp.Make(result, timestamp), window.StartMs);
                var change = new Change<TAggregate>(result, result is not null, old is null ? default! : old.Value, owner._sendOldValues && old is not null);
                _forwarder.MaybeForward(new Record<Windowed<TKey>, Change<TAggregate>>(new Windowed<TKey>(record.Key, window), change, timestamp, record.Headers));
            }
        }
    }
}
