using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// Remembers each record of one side of a stream-stream join in that side's window store (kept for the join
/// window plus grace), for the other side to look up, and passes the record on to its own side's join.
/// </summary>
internal sealed class KStreamJoinWindowProcessor<TKey, TValue> : IProcessor<TKey, TValue, TKey, TValue>
{
    private readonly string _storeName;
    private IProcessorContext<TKey, TValue> _context = null!;
    private IWindowStore<TKey, TValue> _window = null!;

    public KStreamJoinWindowProcessor(string storeName) => _storeName = storeName;

    public void Init(IProcessorContext<TKey, TValue> context)
    {
        _context = context;
        _window = context.GetStateStore<IWindowStore<TKey, TValue>>(_storeName);
    }

    public void Process(Record<TKey, TValue> record)
    {
        // A record without key or value never joins (left and outer joins still emit one without key).
        _context.Forward(record);
        if (record.Key is not null && record.Value is not null)
        {
            // Every record starts its own window: the window store is used for its retention.
            _window.Put(record.Key, record.Value, record.Timestamp);
        }
    }
}
