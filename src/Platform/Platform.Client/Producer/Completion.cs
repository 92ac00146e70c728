using Platform.Client.Network;
using Platform.Protocol.Messages;

namespace Platform.Client.Producer;

/// <summary>
/// A produce request in flight: its batches and, once finished, the answer or the failure, filled in
/// on the connection's read loop, which then wakes the sender. The sender handles a node's requests
/// in the order it sent them, so reports of a partition come in offset order.
/// </summary>
internal sealed class Completion(NodeState node, List<ProducerBatch> batches, KafkaConnection connection, long sentTicks, Action onDone)
    : IResponseHandler<ProduceResponse>
{
    private volatile bool _done;

    public NodeState Node { get; } = node;

    public List<ProducerBatch> Batches { get; } = batches;

    /// <summary>The connection it went out on: closed by the sender when the answer is later than <c>request.timeout.ms</c>.</summary>
    public KafkaConnection Connection { get; } = connection;

    public long SentTicks { get; } = sentTicks;

    public ProduceResponse? Response { get; private set; }

    public KafkaException? Failure { get; private set; }

    public bool IsDone => _done;

    public void OnCompleted(ProduceResponse? response, KafkaException? failure)
    {
        Response = response;
        Failure = failure;
        _done = true;
        onDone();
    }
}
