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

    public override async ValueTask<WriteTxnMarkersResponse?> HandleAsync(RequestContext context, WriteTxnMarkersRequest request, CancellationToken cancellationToken)
    {
        // Every marker at once, each complete once durable; indexed like the request.
        var writes = request.Markers
            .Select(m => m.Topics.Select(t => t.PartitionIndexes.Select(p => coordinator.WriteMarkerAsync(t.Name, p, m.ProducerId, m.ProducerEpoch, m.CoordinatorEpoch, m.TransactionResult)).ToList()).ToList())
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
