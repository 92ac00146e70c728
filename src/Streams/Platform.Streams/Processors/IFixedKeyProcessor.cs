namespace Platform.Streams.Processors;

/// <summary>
/// A processor that keeps each record's key (used by <c>IKStream.ProcessValues</c>): it receives and forwards
/// <see cref="FixedKeyRecord{TKey,TValue}"/>s, which only allow new values, timestamps and headers.
/// </summary>
public interface IFixedKeyProcessor<TKey, TValueIn, TValueOut>
{
    /// <summary>Called once before the first record: keep the context, look up stores, schedule punctuators.</summary>
    void Init(IFixedKeyProcessorContext<TKey, TValueOut> context)
    {
    }

    /// <summary>Processes one record.</summary>
    void Process(FixedKeyRecord<TKey, TValueIn> record);

    /// <summary>Called when the task closes. Do not close stores here: the runtime owns them.</summary>
    void Close()
    {
    }
}
