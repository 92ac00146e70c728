using Platform.Protocol.Messages;

namespace Platform.Client.Internal.Producer;

/// <summary>
/// A produce request in flight: its batches and, once finished, the answer or the failure. The
/// sender handles a node's requests in the order it sent them, whatever order the continuations
/// that fill these in happen to run in, so reports of a partition come in offset order.
/// </summary>
internal sealed class Completion(NodeState node, List<ProducerBatch> batches)
{
    private volatile bool _done;

    public NodeState Node { get; } = node;

    public List<ProducerBatch> Batches { get; } = batches;

    public ProduceResponse? Response { get; private set; }

    public KafkaException? Failure { get; private set; }

    public bool IsDone => _done;

    public void Finish(ProduceResponse? response, KafkaException? failure)
    {
        Response = response;
        Failure = failure;
        _done = true;
    }
}
