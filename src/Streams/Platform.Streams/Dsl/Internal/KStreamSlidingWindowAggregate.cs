using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Aggregation over sliding windows (Kafka's <c>KStreamSlidingWindowAggregate</c>, forward-iteration variant):
/// windows are aligned to records. A record at t updates every existing window containing t, creates its left
/// window [t - d, t] (seeded with the aggregate of the records already in it), its right window [t + 1, t + 1 + d]
/// when later records fall in it, and the previous record's right window when t falls in it. Records whose
/// windows have all closed are dropped and counted; so is each closed window a record would have updated.
/// Records earlier than d share the window [0, d], since windows never start before 0.
/// </summary>
internal sealed class KStreamSlidingWindowAggregate<TKey, TValue, TAggregate>(
    SlidingWindows windows,
    string storeName,
    WindowAggregation<TKey, TValue, TAggregate> aggregation) : IKTableValueSource<Windowed<TKey>, TAggregate>, IWindowedAggregateSource
{
    private readonly SlidingWindows _windows = windows;
    private readonly string _storeName = storeName;
    private readonly WindowAggregation<TKey, TValue, TAggregate> _aggregation = aggregation;
    private bool _sendOldValues;

    public IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View() => new WindowStoreValueGetterSupplier<TKey, TAggregate>(_storeName);

    public long GracePeriodMs => _windows.GracePeriodMs;

    public bool EnableSendingOldValues(bool forceMaterialization) => _sendOldValues = true;

    private sealed class Processor(KStreamSlidingWindowAggregate<TKey, TValue, TAggregate> owner) : ContextualProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>
    {
        private readonly long _difference = owner._windows.TimeDifferenceMs;
        private ITimestampedWindowStore<TKey, TAggregate> _store = null!;
        private TimestampedTupleForwarder<Windowed<TKey>, TAggregate> _forwarder = null!;
        private long _observedStreamTime = -1;
        private Record<TKey, TValue> _record;
        private long _closeTime;

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

            var timestamp = record.Timestamp;
            _observedStreamTime = Math.Max(_observedStreamTime, timestamp);
            _closeTime = _observedStreamTime - owner._windows.GracePeriodMs;
            _record = record;

            // The latest window a record can touch is its right window, ending at t + 1 + d.
            if (timestamp + 1 + _difference <= _closeTime)
            {
                DroppedRecords.Record(Context);
                return;
            }

            if (timestamp < _difference)
            {
                ProcessEarly(timestamp);
            }
            else
            {
                ProcessInOrder(timestamp);
            }
        }

        private void ProcessInOrder(long timestamp)
        {
            var starts = new HashSet<long>();
            ValueAndTimestamp<TAggregate>? leftAggregate = null;
            ValueAndTimestamp<TAggregate>? rightAggregate = null;
            var leftCreated = false;
            var rightCreated = false;
            long? previousTimestamp = null;

            foreach (var (start, value) in _store.Fetch(_record.Key, Math.Max(0, timestamp - (2 * _difference)), timestamp + 1))
            {
                starts.Add(start);
                var end = start + _difference;
                if (end < timestamp)
                {
                    leftAggregate = value;
                    previousTimestamp = value.Timestamp;
                }
                else if (end == timestamp)
                {
                    leftCreated = true;
                    if (value.Timestamp < timestamp)
                    {
                        previousTimestamp = value.Timestamp;
                    }

                    UpdateAndForward(start, value);
                }
                else if (start <= timestamp)
                {
                    rightAggregate = value;
                    UpdateAndForward(start, value);
                }
                else if (start == timestamp + 1)
                {
                    rightCreated = true;
                }
                else
                {
                    throw new InvalidOperationException($"Sliding window aggregation of store '{owner._storeName}' found a window starting at {start} while processing a record at {timestamp}.");
                }
            }

            if (previousTimestamp is { } previous)
            {
                var previousRightStart = previous + 1;
                if (!starts.Contains(previousRightStart) && previousRightStart + _difference >= timestamp)
                {
                    UpdateAndForward(previousRightStart, null);
                }
            }

            if (!leftCreated)
            {
                var leftNotEmpty = previousTimestamp is { } p && timestamp - _difference <= p;
                UpdateAndForward(timestamp - _difference, leftNotEmpty ? new ValueAndTimestamp<TAggregate>(leftAggregate!.Value, timestamp) : null);
            }

            if (!rightCreated && rightAggregate is not null && rightAggregate.Timestamp > timestamp)
            {
                CreateRightWindow(timestamp, rightAggregate);
            }
        }

        private void ProcessEarly(long timestamp)
        {
            ValueAndTimestamp<TAggregate>? combined = null;
            ValueAndTimestamp<TAggregate>? rightAggregate = null;
            var rightCreated = false;
            var starts = new HashSet<long>();
            long? previousTimestamp = null;

            foreach (var (start, value) in _store.Fetch(_record.Key, 0, timestamp + 1))
            {
                starts.Add(start);
                if (start == 0)
                {
                    combined = value;

                    // A later maximum means the previous record's right window was created already.
                    if (value.Timestamp < timestamp)
                    {
                        previousTimestamp = value.Timestamp;
                    }
                }
                else if (start <= timestamp)
                {
                    rightAggregate = value;
                    UpdateAndForward(start, value);
                }
                else if (start == timestamp + 1)
                {
                    rightCreated = true;
                }
                else
                {
                    throw new InvalidOperationException($"Sliding window aggregation of store '{owner._storeName}' found a window starting at {start} while processing an early record at {timestamp}.");
                }
            }

            // Without a right window found, the combined window holds only records after this one (if any).
            if (rightAggregate is null && combined is not null && combined.Timestamp > timestamp)
            {
                rightAggregate = combined;
            }

            if (!rightCreated && rightAggregate is not null && rightAggregate.Timestamp > timestamp)
            {
                CreateRightWindow(timestamp, rightAggregate);
            }

            if (previousTimestamp is { } previous && !starts.Contains(previous + 1))
            {
                UpdateAndForward(previous + 1, null);
            }

            UpdateAndForward(0, combined);
        }

        private void CreateRightWindow(long timestamp, ValueAndTimestamp<TAggregate> aggregate)
        {
            var start = timestamp + 1;
            _store.Put(_record.Key, aggregate, start);
            Forward(start, new Change<TAggregate>(aggregate.Value, aggregate.Value is not null, default!, false), aggregate.Timestamp);
        }

        /// <summary>Adds the record to the window at <paramref name="start"/> holding <paramref name="existing"/> (null: empty), unless it has closed.</summary>
        private void UpdateAndForward(long start, ValueAndTimestamp<TAggregate>? existing)
        {
            if (start + _difference < _closeTime)
            {
                DroppedRecords.Record(Context);
                return;
            }

            var timestamp = existing is null ? _record.Timestamp : Math.Max(_record.Timestamp, existing.Timestamp);
            var result = owner._aggregation.Add(_record.Key, _record.Value, existing is not null, existing is null ? default! : existing.Value);
            _store.Put(_record.Key, ValueAndTimestamp.Make(result, timestamp), start);
            Forward(start, new Change<TAggregate>(result, result is not null, existing is null ? default! : existing.Value, owner._sendOldValues && existing is not null), timestamp);
        }

        private void Forward(long start, Change<TAggregate> change, long timestamp)
            => _forwarder.MaybeForward(new Record<Windowed<TKey>, Change<TAggregate>>(
                new Windowed<TKey>(_record.Key, new Window(start, start + _difference)), change, timestamp, _record.Headers));
    }
}
