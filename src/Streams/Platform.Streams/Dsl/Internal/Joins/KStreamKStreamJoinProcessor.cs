using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// One side of a stream-stream join: joins each record with the other side's records of the same key inside
/// the join window. For left/outer joins a record that finds no partner waits in the shared outer-join store
/// and is emitted with a missing partner only once its window (plus grace) has closed in stream time, unless
/// a partner arrives first and removes it: no spurious left/outer results (Kafka 3.x). Records arriving after
/// their window closed are dropped.
/// </summary>
/// <typeparam name="TKey">The key.</typeparam>
/// <typeparam name="TThis">This side's value.</typeparam>
/// <typeparam name="TOther">The other side's value.</typeparam>
/// <typeparam name="TLeft">The left stream's value.</typeparam>
/// <typeparam name="TRight">The right stream's value.</typeparam>
/// <typeparam name="TOut">The result.</typeparam>
internal sealed class KStreamKStreamJoinProcessor<TKey, TThis, TOther, TLeft, TRight, TOut> : IProcessor<TKey, TThis, TKey, TOut>
{
    /// <summary>Kafka's internal setting: how often (wall clock) the outer-join store may be scanned for closed windows.</summary>
    internal const string EmitIntervalConfig = "__emit.interval.ms.kstreams.outer.join.spurious.results.fix__";

    private readonly KStreamKStreamJoinSide<TKey, TThis, TOther, TLeft, TRight, TOut> _side;
    private readonly JoinTimeTrackers _trackers;
    private JoinTimeTracker _time = null!;
    private IProcessorContext<TKey, TOut> _context = null!;
    private IWindowStore<TKey, TOther> _otherWindow = null!;
    private IKeyValueStore<TimestampedKeyAndJoinSide<TKey>, IReadOnlyList<LeftOrRightValue<TLeft, TRight>>>? _outerStore;
    private long _emitIntervalMs;

    public KStreamKStreamJoinProcessor(KStreamKStreamJoinSide<TKey, TThis, TOther, TLeft, TRight, TOut> side, JoinTimeTrackers trackers)
    {
        _side = side;
        _trackers = trackers;
    }


    public void Init(IProcessorContext<TKey, TOut> context)
    {
        _context = context;
        _otherWindow = context.GetStateStore<IWindowStore<TKey, TOther>>(_side.OtherWindowStoreName);
        _time = _trackers.For(context.GetStateStore<IStateStore>(_side.LeftWindowStoreName));
        if (_side.OuterJoinStoreName is { } outerName)
        {
            _outerStore = context.GetStateStore<IKeyValueStore<TimestampedKeyAndJoinSide<TKey>, IReadOnlyList<LeftOrRightValue<TLeft, TRight>>>>(outerName);
        }

        var interval = context.Config[EmitIntervalConfig];
        _emitIntervalMs = interval is null ? 1000 : long.Parse(interval, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Process(Record<TKey, TThis> record)
    {
        var timestamp = record.Timestamp;
        _time.Advance(timestamp);
        if (_side.Outer && record.Key is null && record.Value is not null)
        {
            // Without a key the record can never find a partner: a left/outer join emits it at once.
            _context.Forward(new Record<TKey, TOut>(record.Key!, _side.Joiner(record.Key!, record.Value, default), timestamp, record.Headers));
            return;
        }

        if (record.Key is null || record.Value is null || timestamp + _side.LookAfterMs + _side.GraceMs < _time.StreamTime)
        {
            // No key or value: nothing to join. Too late: its window and grace have passed, its partners are gone
            // or already emitted without it.
            DroppedRecords.Record(_context);
            return;
        }

        if (timestamp == _time.StreamTime && _outerStore is not null)
        {
            EmitClosedOuterRecords(record.Headers);
        }

        var from = Math.Max(0, timestamp - _side.LookBeforeMs);
        var to = Math.Max(0, timestamp + _side.LookAfterMs);
        var joined = false;
        foreach (var (otherTimestamp, otherValue) in _otherWindow.Fetch(record.Key, from, to))
        {
            joined = true;

            // The partner found its match: it no longer waits for one.
            _outerStore?.Delete(new TimestampedKeyAndJoinSide<TKey>(otherTimestamp, !_side.IsLeftSide, record.Key));
            _context.Forward(new Record<TKey, TOut>(record.Key, _side.Joiner(record.Key, record.Value, otherValue), Math.Max(timestamp, otherTimestamp), record.Headers));
        }

        if (joined || !_side.Outer)
        {
            return;
        }

        if (_outerStore is null)
        {
            _context.Forward(new Record<TKey, TOut>(record.Key, _side.Joiner(record.Key, record.Value, default), timestamp, record.Headers));
            return;
        }

        var waitingKey = new TimestampedKeyAndJoinSide<TKey>(timestamp, _side.IsLeftSide, record.Key);
        var waiting = _outerStore.Get(waitingKey);
        var values = waiting is null ? new List<LeftOrRightValue<TLeft, TRight>>(1) : new List<LeftOrRightValue<TLeft, TRight>>(waiting);
        values.Add(_side.Wrap(record.Value));
        _outerStore.Put(waitingKey, values);
        _time.MinTime = Math.Min(_time.MinTime, timestamp);
    }

    private void EmitClosedOuterRecords(Platform.Client.Headers? headers)
    {
        // Scanning the store costs: skip while nothing waiting can have closed, and at most once per emit interval.
        if (_time.MinTime == long.MaxValue || _time.MinTime + _side.MinLookAfterMs + _side.GraceMs >= _time.StreamTime)
        {
            return;
        }

        var now = _context.CurrentSystemTimeMs;
        if (now < _time.NextTimeToEmit)
        {
            return;
        }

        _time.NextTimeToEmit = now + _emitIntervalMs;
        var closed = new List<KeyValuePair<TimestampedKeyAndJoinSide<TKey>, IReadOnlyList<LeftOrRightValue<TLeft, TRight>>>>();
        var firstWaiting = long.MaxValue;
        var leftOpen = false;
        var rightOpen = false;
        foreach (var entry in _outerStore!.All())
        {
            var key = entry.Key;
            if (key.Timestamp + _side.LookAfterOf(key.LeftSide) + _side.GraceMs >= _time.StreamTime)
            {
                // Still open; later entries of this side are later, so they are open too.
                firstWaiting = Math.Min(firstWaiting, key.Timestamp);
                leftOpen |= key.LeftSide;
                rightOpen |= !key.LeftSide;
                if (leftOpen && rightOpen)
                {
                    break;
                }

                continue;
            }

            closed.Add(entry);
        }

        _time.MinTime = firstWaiting;
        foreach (var (key, values) in closed)
        {
            foreach (var value in values)
            {
                _context.Forward(new Record<TKey, TOut>(key.Key, _side.NullJoiner(key.Key, value), key.Timestamp, headers));
            }

            _outerStore.Delete(key);
        }
    }
}
