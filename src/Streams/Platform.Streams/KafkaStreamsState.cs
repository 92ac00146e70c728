namespace Platform.Streams;

/// <summary>
/// The life of a <see cref="KafkaStreams"/> instance, as in Kafka Streams: Created → Rebalancing ⇄ Running →
/// PendingShutdown → NotRunning, or → PendingError → Error when a thread dies and the handler stops the client.
/// </summary>
public enum KafkaStreamsState
{
    /// <summary>Built, not started.</summary>
    Created,

    /// <summary>Threads are joining the group, taking tasks or restoring their state.</summary>
    Rebalancing,

    /// <summary>Every thread is processing.</summary>
    Running,

    /// <summary><see cref="KafkaStreams.Close()"/> was called; threads are committing and stopping.</summary>
    PendingShutdown,

    /// <summary>Stopped cleanly.</summary>
    NotRunning,

    /// <summary>A thread failed and the client is stopping.</summary>
    PendingError,

    /// <summary>Stopped after a failure (see <see cref="KafkaStreams.FatalException"/>).</summary>
    Error,
}
