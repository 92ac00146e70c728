namespace Platform.Client;

/// <summary>
/// Sees records before the application does and offsets once committed, as Kafka's
/// ConsumerInterceptor. An interceptor that throws is reported to the error handler and skipped,
/// never failing the consume.
/// </summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public interface IConsumerInterceptor<TKey, TValue>
{
    /// <summary>Called on the consuming thread with each record before it is returned; may return a changed one.</summary>
    ConsumeResult<TKey, TValue> OnConsume(ConsumeResult<TKey, TValue> result);

    /// <summary>Called after offsets are committed (with consumer groups, a later issue).</summary>
    void OnCommit(IReadOnlyList<TopicPartitionOffset> offsets);

    /// <summary>Called when the consumer closes.</summary>
    void OnClose();
}
