using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>AddOffsetsToTxn: the group's <c>__consumer_offsets</c> partition joins the transaction.</summary>
public sealed class AddOffsetsToTxnHandler(TransactionCoordinator coordinator) : ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>
{
    public override ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override async ValueTask<AddOffsetsToTxnResponse?> HandleAsync(RequestContext context, AddOffsetsToTxnRequest request, CancellationToken cancellationToken)
    {
        var error = await coordinator.AddOffsetsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId).WaitAsync(cancellationToken).ConfigureAwait(false);
        return ErrorResponse(context, request, TransactionErrors.ForVersion(error, context.ApiVersion, fencedFrom: 2));
    }

    public override AddOffsetsToTxnResponse ErrorResponse(RequestContext context, AddOffsetsToTxnRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error };
}
