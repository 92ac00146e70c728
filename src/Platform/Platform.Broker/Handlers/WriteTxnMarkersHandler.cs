using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// WriteTxnMarkers: a transaction coordinator on another broker (or a tool) ends transactions on partitions
/// this broker leads. Each marker is answered once it is on the partition's whole ISR (acks=all), so the
/// coordinator writes Complete* only over markers that survive a leader change; a partition not led here
/// answers NOT_LEADER_OR_FOLLOWER and the coordinator retries at its new leader.
/// </summary>
public sealed class WriteTxnMarkersHandler(TransactionMarkerWriter markers) : ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>
{
    public override ApiKey ApiKey => ApiKey.WriteTxnMarkers;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override async ValueTask<WriteTxnMarkersResponse?> HandleAsync(RequestContext context, WriteTxnMarkersRequest request, CancellationToken cancellationToken)
    {
        // Every marker at once, each complete once durable; indexed like the request.
        var writes = request.Markers
            .Select(m => m.Topics.Select(t => t.PartitionIndexes.Select(p => markers.WriteAsync(t.Name, p, m.ProducerId, m.ProducerEpoch, m.CoordinatorEpoch, m.TransactionResult)).ToList()).ToList())
            .ToList();
        await Task.WhenAll(writes.SelectMany(m => m).SelectMany(t => t)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return Respond(request, (m, t, p) => writes[m][t][p].Result);
    }

    public override WriteTxnMarkersResponse ErrorResponse(RequestContext context, WriteTxnMarkersRequest request, ErrorCode error)
        => Respond(request, (_, _, _) => error);

    /// <summary>The response to <paramref name="request"/>, with the error of each (marker, topic, partition) by position.</summary>
    private static WriteTxnMarkersResponse Respond(WriteTxnMarkersRequest request, Func<int, int, int, ErrorCode> errorOf)
        => new()
        {
            Markers = request.Markers.Select((m, mi) => new WriteTxnMarkersResponse.WritableTxnMarkerResult
            {
                ProducerId = m.ProducerId,
                Topics = m.Topics.Select((t, ti) => new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult
                {
                    Name = t.Name,
                    Partitions = t.PartitionIndexes.Select((p, pi) => new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult { PartitionIndex = p, ErrorCode = (short)errorOf(mi, ti, pi) }).ToList(),
                }).ToList(),
            }).ToList(),
        };
}
