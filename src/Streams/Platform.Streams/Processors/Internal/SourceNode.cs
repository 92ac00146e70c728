namespace Platform.Streams.Processors.Internal;

/// <summary>A node that turns consumed bytes into typed records: deserializes, stamps, and forwards.</summary>
internal abstract class SourceNode(string name) : ProcessorNode(name)
{
    /// <summary>
    /// Processes <paramref name="record"/> at once (no buffering): deserializes, extracts the timestamp, sets the
    /// record context and stream time, and forwards. Returns the timestamp, or -1 when the record was skipped
    /// (poison record handled, or an invalid timestamp dropped).
    /// </summary>
    public abstract long ProcessDirect(in ConsumedRecord record, long partitionTime);

    /// <summary>Gives a buffered record its timestamp (deserializing it first for custom extractors); false to drop it.</summary>
    public abstract bool Stamp(StampedRecord record, long partitionTime);

    /// <summary>Processes a buffered record whose turn has come.</summary>
    public abstract void ProcessQueued(StampedRecord record);

    /// <summary>Whether the source reads the partial counts of a count's combiner (its records may carry the shared marker).</summary>
    public abstract bool ReadsPartialCounts { get; }
}
