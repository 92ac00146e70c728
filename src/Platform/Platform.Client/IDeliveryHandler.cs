namespace Platform.Client;

/// <summary>
/// Receives the outcome of each record produced with
/// <see cref="IProducer{TKey,TValue}.Produce(string, int, Message{TKey,TValue}, IDeliveryHandler{TKey,TValue})"/> on the
/// producer's sender thread, without a report object per record: for callers that send many records and
/// only need the offset or the failure (keep it short, as any delivery handler).
/// </summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public interface IDeliveryHandler<TKey, TValue>
{
    /// <summary>
    /// One record's outcome: its <paramref name="offset"/> (-1 when unknown, as with acks=0 or a failure) and
    /// <paramref name="error"/> (<see cref="Error.NoError"/> on success). <paramref name="message"/> is the object
    /// given to Produce; the producer holds no reference to it once this returns.
    /// </summary>
    void OnDelivery(string topic, int partition, long offset, Error error, Message<TKey, TValue> message);
}
