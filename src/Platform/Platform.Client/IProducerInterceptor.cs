namespace Platform.Client;

/// <summary>
/// Sees every record before it is serialized (<see cref="OnSend"/>, which may return a changed
/// message) and every acknowledgement (<see cref="OnAcknowledgement"/>, on the producer's sender,
/// so keep it short). An interceptor that throws is reported to the error handler and skipped.
/// </summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public interface IProducerInterceptor<TKey, TValue>
{
    /// <summary>Called on the producing thread before serialization; returns the message to send.</summary>
    Message<TKey, TValue> OnSend(string topic, Message<TKey, TValue> message);

    /// <summary>Called when the record was acknowledged or failed.</summary>
    void OnAcknowledgement(DeliveryReport<TKey, TValue> report);
}
