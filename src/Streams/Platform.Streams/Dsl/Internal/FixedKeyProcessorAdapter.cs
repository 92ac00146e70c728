using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Runs an <see cref="IFixedKeyProcessor{TKey,TValueIn,TValueOut}"/> (<c>ProcessValues</c>) as a topology
/// processor: its context only forwards <see cref="FixedKeyRecord{TKey,TValue}"/>s, so keys cannot change.
/// </summary>
internal sealed class FixedKeyProcessorAdapter<TKey, TValueIn, TValueOut>(IFixedKeyProcessor<TKey, TValueIn, TValueOut> processor)
    : IProcessor<TKey, TValueIn, TKey, TValueOut>, IFixedKeyProcessorContext<TKey, TValueOut>
{
    private IProcessorContext<TKey, TValueOut>? _context;

    private IProcessorContext<TKey, TValueOut> Inner => _context ?? throw new InvalidOperationException("The processor was used before Init.");

    public string ApplicationId => Inner.ApplicationId;

    public TaskId TaskId => Inner.TaskId;

    public RecordMetadata? RecordMetadata => Inner.RecordMetadata;

    public long CurrentStreamTimeMs => Inner.CurrentStreamTimeMs;

    public long CurrentSystemTimeMs => Inner.CurrentSystemTimeMs;

    public StreamsConfig Config => Inner.Config;

    public void Init(IProcessorContext<TKey, TValueOut> context)
    {
        _context = context;
        processor.Init(this);
    }

    public void Process(Record<TKey, TValueIn> record)
        => processor.Process(new FixedKeyRecord<TKey, TValueIn>(record.Key, record.Value, record.Timestamp, record.Headers));

    public void Close() => processor.Close();

    public void Forward(FixedKeyRecord<TKey, TValueOut> record, string? childName = null)
        => Inner.Forward(new Record<TKey, TValueOut>(record.Key, record.Value, record.Timestamp, record.Headers), childName);

    public TStore GetStateStore<TStore>(string name) where TStore : IStateStore => Inner.GetStateStore<TStore>(name);

    public ICancellable Schedule(TimeSpan interval, PunctuationType type, Action<long> punctuator) => Inner.Schedule(interval, type, punctuator);

    public void Commit() => Inner.Commit();
}
