using Platform.Streams.Processors;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Aggregation over session windows (Kafka's <c>KStreamSessionWindowAggregate</c>): a record joins every
/// session of its key within the inactivity gap; they merge into one session (the merged ones are deleted
/// downstream with tombstones) unless the merged session has already closed (end &lt; stream time - grace),
/// in which case the record is dropped and counted. Updates carry the session end as timestamp.
/// </summary>
internal sealed class KStreamSessionWindowAggregate<TKey, TValue, TAggregate>(
    SessionWindows windows,
    string storeName,
    WindowAggregation<TKey, TValue, TAggregate> aggregation) : IKTableValueSource<Windowed<TKey>, TAggregate>, IWindowedAggregateSource
{
    private readonly SessionWindows _windows = windows;
    private readonly string _storeName = storeName;
    private readonly WindowAggregation<TKey, TValue, TAggregate> _aggregation = aggregation;
    private bool _sendOldValues;

    public IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View() => new SessionStoreValueGetterSupplier<TKey, TAggregate>(_storeName);

    public long GracePeriodMs => _windows.GracePeriodMs;

    public bool EnableSendingOldValues(bool forceMaterialization) => _sendOldValues = true;

    private sealed class Processor(KStreamSessionWindowAggregate<TKey, TValue, TAggregate> owner) : ContextualProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>
    {
        private ISessionStore<TKey, TAggregate> _store = null!;
        private long _observedStreamTime = -1;
        private bool _cached;

        public override void Init(IProcessorContext<Windowed<TKey>, Change<TAggregate>> context)
        {
            base.Init(context);
            _store = context.GetStateStore<ISessionStore<TKey, TAggregate>>(owner._storeName);

            // A caching store forwards on flush (commit or eviction), one update per session, as Kafka's
            // SessionTupleForwarder: the timestamp is the session's end.
            var sendOldValues = owner._sendOldValues;
            _cached = _store is MeteredSessionStore<TKey, TAggregate> metered && metered.SetFlushListener(
                (session, hasNew, newValue, hasOld, oldValue, headers) => context.Forward(new Record<Windowed<TKey>, Change<TAggregate>>(
                    session,
                    new Change<TAggregate>(newValue, hasNew, oldValue, sendOldValues && hasOld),
                    session.Window.EndMs,
                    headers)),
                sendOldValues);
        }

        public override void Process(Record<TKey, TValue> record)
        {
            if (record.Key is null || record.Value is null)
            {
                DroppedRecords.Record(Context);
                return;
            }

            var timestamp = record.Timestamp;
            _observedStreamTime = Math.Max(_observedStreamTime, timestamp);
            var closeTime = _observedStreamTime - owner._windows.GracePeriodMs;
            var gap = owner._windows.InactivityGapMs;

            var newWindow = new Window(timestamp, timestamp);
            var merged = newWindow;
            var (hasAggregate, aggregate) = owner._aggregation.Empty();
            var overlapping = _store.FindSessions(record.Key, timestamp - gap, timestamp + gap).ToList();
            foreach (var (session, value) in overlapping)
            {
                aggregate = owner._aggregation.Merge(record.Key, hasAggregate, aggregate, value);
                hasAggregate = true;
                merged = new Window(Math.Min(merged.StartMs, session.Window.StartMs), Math.Max(merged.EndMs, session.Window.EndMs));
            }

            if (merged.EndMs < closeTime)
            {
                DroppedRecords.Record(Context);
                return;
            }

            if (merged != newWindow)
            {
                foreach (var (session, value) in overlapping)
                {
                    _store.Remove(session);
                    Forward(record, session, Change<TAggregate>.Delete(value, owner._sendOldValues));
                }
            }

            aggregate = owner._aggregation.Add(record.Key, record.Value, hasAggregate, aggregate);
            var key = new Windowed<TKey>(record.Key, merged);
            _store.Put(key, aggregate);
            Forward(record, key, Change<TAggregate>.New(aggregate));
        }

        private void Forward(Record<TKey, TValue> record, Windowed<TKey> session, Change<TAggregate> change)
        {
            if (!_cached)
            {
                Context.Forward(new Record<Windowed<TKey>, Change<TAggregate>>(session, change, session.Window.EndMs, record.Headers));
            }
        }
    }
}
