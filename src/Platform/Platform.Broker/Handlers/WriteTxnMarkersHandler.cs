using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>WriteTxnMarkers: COMMIT/ABORT markers on the named partitions (what the coordinator does in-process).</summary>
public sealed class WriteTxnMarkersHandler(TransactionCoordinator coordinator) : ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>
{
    public override ApiKey ApiKey => ApiKey.WriteTxnMarkers;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override ValueTask<WriteTxnMarkersResponse?> HandleAsync(RequestContext context, WriteTxnMarkersRequest request, CancellationToken cancellationToken)
        => ValueTask.FromResult<WriteTxnMarkersResponse?>(Respond(request, m => t => p =>
            coordinator.WriteMarker(t, p, m.ProducerId, m.ProducerEpoch, m.CoordinatorEpoch, m.TransactionResult)));

    public override WriteTxnMarkersResponse ErrorResponse(RequestContext context, WriteTxnMarkersRequest request, ErrorCode error)
        => Respond(request, _ => _ => _ => error);

    private static WriteTxnMarkersResponse Respond(WriteTxnMarkersRequest request, Func<WriteTxnMarkersRequest.WritableTxnMarker, Func<string, Func<int, ErrorCode>>> errorOf)
        => new()
        {
            Markers = request.Markers.Select(m => new WriteTxnMarkersResponse.WritableTxnMarkerResult
            {
                ProducerId = m.ProducerId,
                Topics = m.Topics.Select(t => new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult
                {
                    Name = t.Name,
                    Partitions = t.PartitionIndexes.Select(p => new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult { PartitionIndex = p, ErrorCode = (short)errorOf(m)(t.Name)(p) }).ToList(),
                }).ToList(),
            }).ToList(),
        };
}
