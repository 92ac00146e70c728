namespace Platform.Streams.Runtime;

/// <summary>A stream thread's state, as in Kafka Streams; the instance's state follows from its threads'.</summary>
internal enum StreamThreadState
{
    /// <summary>Built, not started.</summary>
    Created,

    /// <summary>Joining the group for the first time.</summary>
    Starting,

    /// <summary>A rebalance took its partitions (its tasks are suspended).</summary>
    PartitionsRevoked,

    /// <summary>It has an assignment; some tasks may still be restoring.</summary>
    PartitionsAssigned,

    /// <summary>Every task it has is processing.</summary>
    Running,

    /// <summary>Committing and closing.</summary>
    PendingShutdown,

    /// <summary>Stopped.</summary>
    Dead,
}
