namespace Platform.Client;

/// <summary>A record could not be delivered; thrown by <c>ProduceAsync</c> with the partial result.</summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public class ProduceException<TKey, TValue> : KafkaException
{
    /// <summary>Creates the exception.</summary>
    public ProduceException(Error error, DeliveryResult<TKey, TValue> deliveryResult, Exception? innerException = null)
        : base(error, innerException)
    {
        DeliveryResult = deliveryResult;
    }

    /// <summary>What is known about the record: topic, partition if chosen, status.</summary>
    public DeliveryResult<TKey, TValue> DeliveryResult { get; }
}
