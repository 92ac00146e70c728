namespace Platform.Client.Producer;

/// <summary>The typed producer's side of a finished batch: turns its slots into delivery reports.</summary>
internal interface IDeliverySink
{
    /// <summary>
    /// Reports every record of <paramref name="batch"/>: delivered at <paramref name="baseOffset"/>
    /// + index when <paramref name="error"/> is null, else failed with it.
    /// </summary>
    void Deliver(ProducerBatch batch, long baseOffset, long logAppendTime, Error? error, PersistenceStatus status);
}
