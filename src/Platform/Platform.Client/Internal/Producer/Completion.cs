using Platform.Protocol.Messages;

namespace Platform.Client.Internal.Producer;

/// <summary>A produce request that finished: its batches and the answer or the failure, queued for the sender thread.</summary>
internal sealed record Completion(NodeState Node, List<ProducerBatch> Batches, ProduceResponse? Response, KafkaException? Failure);
