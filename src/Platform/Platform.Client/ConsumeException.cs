namespace Platform.Client;

/// <summary>
/// Consuming failed for a reason tied to a record or partition: a deserializer threw
/// (<c>LOCAL_KEY_DESERIALIZATION</c>/<c>LOCAL_VALUE_DESERIALIZATION</c> reported as
/// <see cref="Protocol.ErrorCode.InvalidRecord"/>), or the partition failed. <see cref="ConsumerRecord"/>
/// names the coordinates (and the raw bytes when deserialization failed).
/// </summary>
public class ConsumeException : KafkaException
{
    /// <summary>Creates the exception.</summary>
    public ConsumeException(ConsumeResult<byte[]?, byte[]?> consumerRecord, Error error, Exception? innerException = null)
        : base(error, innerException)
    {
        ArgumentNullException.ThrowIfNull(consumerRecord);
        ConsumerRecord = consumerRecord;
    }

    /// <summary>Where it happened: topic, partition, offset, and, for a deserialization error, the record's raw key and value.</summary>
    public ConsumeResult<byte[]?, byte[]?> ConsumerRecord { get; }
}
