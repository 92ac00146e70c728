namespace Platform.Streams.Processors.Internal;

/// <summary>
/// Lets a parent forward records to a child declared with wider types (<c>string</c> to <c>object</c>):
/// the parent's records are cast for the child. Only used where the types differ.
/// </summary>
internal sealed class CastingReceiver<TKeyFrom, TValueFrom, TKeyTo, TValueTo>(IRecordReceiver<TKeyTo, TValueTo> child) : IRecordReceiver<TKeyFrom, TValueFrom>
{
    public void Process(Record<TKeyFrom, TValueFrom> record)
        => child.Process(new Record<TKeyTo, TValueTo>((TKeyTo)(object?)record.Key!, (TValueTo)(object?)record.Value!, record.Timestamp, record.Headers));
}
