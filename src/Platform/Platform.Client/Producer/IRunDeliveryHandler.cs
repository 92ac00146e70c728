namespace Platform.Client.Producer;

/// <summary>
/// The handler of records appended with <see cref="Producer{TKey, TValue}.ProduceStaged"/>: told once per run of
/// consecutive records of one batch that it handles, not once per record, and told of a record the producer
/// refused before appending it (too large, an unknown partition, its topic missing from metadata).
/// </summary>
internal interface IRunDeliveryHandler
{
    /// <summary>
    /// On the producer's thread: the records of <paramref name="records"/> (their tags in <see cref="RecordSlot.Message"/>),
    /// in order, were written to <paramref name="topic"/>-<paramref name="partition"/> at <paramref name="baseOffset"/> +
    /// index when <paramref name="error"/> has no code, else failed with it (<paramref name="baseOffset"/> is -1 then, or
    /// when the broker did not say). Their keys and values can be read back from <paramref name="contents"/>.
    /// </summary>
    void OnDelivered(string topic, int partition, long baseOffset, Error error, ReadOnlySpan<RecordSlot> records, RunContents contents);

    /// <summary>On the producing thread: <paramref name="record"/> was not appended (no report will come for it).</summary>
    void OnNotSent(in StagedRecord record, Exception error);
}

/// <summary>The keys and values of a reported run of records, read back from their batch on request (a copy is built: for failures).</summary>
internal readonly struct RunContents(ProducerBatch batch, int first, int count)
{
    /// <summary>The run's keys and values, in order (null for a null key or value).</summary>
    public List<(byte[]? Key, byte[]? Value)> Read() => batch.ReadBack(first, count);
}
