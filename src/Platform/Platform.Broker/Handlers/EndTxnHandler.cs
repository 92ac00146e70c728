using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>EndTxn: commits or aborts the producer's transaction (markers written before the answer).</summary>
public sealed class EndTxnHandler(TransactionCoordinator coordinator) : ApiHandler<EndTxnRequest, EndTxnResponse>
{
    public override ApiKey ApiKey => ApiKey.EndTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override async ValueTask<EndTxnResponse?> HandleAsync(RequestContext context, EndTxnRequest request, CancellationToken cancellationToken)
    {
        var error = await coordinator.EndTransactionAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed).WaitAsync(cancellationToken).ConfigureAwait(false);
        return ErrorResponse(context, request, TransactionErrors.ForVersion(error, context.ApiVersion, fencedFrom: 2));
    }

    public override EndTxnResponse ErrorResponse(RequestContext context, EndTxnRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error };
}
