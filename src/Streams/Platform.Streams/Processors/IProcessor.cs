namespace Platform.Streams.Processors;

/// <summary>
/// A node of a topology (Kafka Streams' Processor API): receives records one at a time on its task's
/// thread and forwards any number of records to its children through the context.
/// </summary>
public interface IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>
{
    /// <summary>Called once before the first record: keep the context, look up stores, schedule punctuators.</summary>
    void Init(IProcessorContext<TKeyOut, TValueOut> context)
    {
    }

    /// <summary>Processes one record.</summary>
    void Process(Record<TKeyIn, TValueIn> record);

    /// <summary>Called when the task closes. Do not close stores here: the runtime owns them.</summary>
    void Close()
    {
    }
}
