namespace Platform.Streams.Processors.Internal;

/// <summary>A node that takes records of one key and value type: what a parent forwards to.</summary>
internal interface IRecordReceiver<TKey, TValue>
{
    /// <summary>Processes a forwarded record.</summary>
    void Process(Record<TKey, TValue> record);
}
