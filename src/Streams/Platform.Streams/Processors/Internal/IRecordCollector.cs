using Platform.Client;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// Where a task's output goes: sink records, changelog records, dead letters. The runtime backs it with the
/// stream thread's producer (inside its transaction under exactly-once); the test driver with in-memory topics.
/// </summary>
internal interface IRecordCollector
{
    /// <summary>
    /// Sends one record. <paramref name="partition"/> is -1 for the producer's default partitioner (the key's
    /// murmur2 hash). Delivery failures surface later (on flush or the next send), as Kafka's collector does.
    /// The key and value bytes are copied before this returns: callers may serialize into reused buffers.
    /// </summary>
    void Send(string topic, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, Headers? headers, long timestamp, int partition);

    /// <summary>The partition count of <paramref name="topic"/>, for custom partitioners.</summary>
    /// <exception cref="Errors.StreamsException">The topic does not exist.</exception>
    int PartitionCount(string topic);
}
