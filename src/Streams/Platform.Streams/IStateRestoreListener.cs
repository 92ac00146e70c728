using Platform.Client;

namespace Platform.Streams;

/// <summary>
/// Hears about changelog restoration (Kafka's <c>StateRestoreListener</c>): set with
/// <see cref="KafkaStreams.SetGlobalStateRestoreListener"/>. Called on the stream threads; keep it short.
/// </summary>
public interface IStateRestoreListener
{
    /// <summary>A store starts restoring <paramref name="partition"/> of its changelog from <paramref name="startOffset"/> up to <paramref name="endOffset"/> (exclusive).</summary>
    void OnRestoreStart(TopicPartition partition, string storeName, long startOffset, long endOffset);

    /// <summary>A batch of <paramref name="numRestored"/> records was written into the store; the next offset to read is <paramref name="nextOffset"/>.</summary>
    void OnBatchRestored(TopicPartition partition, string storeName, long nextOffset, long numRestored);

    /// <summary>The store caught up with its changelog after <paramref name="totalRestored"/> records.</summary>
    void OnRestoreEnd(TopicPartition partition, string storeName, long totalRestored);
}
