using Platform.Client.Network;

namespace Platform.Client.Producer;

/// <summary>The sender's view of one broker: its connection, requests in flight, partitions ready for it.</summary>
internal sealed class NodeState(int id, long nowTicks)
{
    public int Id { get; } = id;

    /// <summary>When the node last had a batch ready to send (partitioner.availability.timeout.ms).</summary>
    public long ReadyTicks { get; set; } = nowTicks;

    /// <summary>When a request last went to the node; far behind <see cref="ReadyTicks"/> when it takes none.</summary>
    public long DrainTicks { get; set; } = nowTicks;

    /// <summary>Produce requests sent and not answered (at most <c>max.in.flight.requests.per.connection</c>).</summary>
    public int InFlight { get; set; }

    /// <summary>Partitions led by this node with a batch ready, rebuilt on every pass.</summary>
    public List<PartitionQueue> Ready { get; } = [];

    /// <summary>Rotates the partition drained first, so none starves under <c>max.request.size</c>.</summary>
    public int DrainStart { get; set; }

    /// <summary>Requests in the order they were sent; answers are handled in this order.</summary>
    public Queue<Completion> Requests { get; } = new();

    public Task<KafkaConnection>? Connecting { get; set; }

    /// <summary>No reconnect before this time after a failed attempt (<c>retry.backoff.ms</c>).</summary>
    public long ReconnectAtTicks { get; set; }
}
