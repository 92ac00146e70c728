using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// ListTransactions: the transactional ids this coordinator owns, filtered by state names (unknown names
/// are echoed back, as Kafka does), by producer id, and from v1 by how long the transaction has been open.
/// </summary>
public sealed class ListTransactionsHandler(TransactionCoordinator coordinator) : ApiHandler<ListTransactionsRequest, ListTransactionsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListTransactions;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override ValueTask<ListTransactionsResponse?> HandleAsync(RequestContext context, ListTransactionsRequest request, CancellationToken cancellationToken)
    {
        if (coordinator.DescribeError != ErrorCode.None)
        {
            return ValueTask.FromResult<ListTransactionsResponse?>(ErrorResponse(context, request, coordinator.DescribeError));
        }

        var states = new HashSet<TransactionState>();
        var response = new ListTransactionsResponse();
        foreach (var name in request.StateFilters)
        {
            if (Enum.TryParse<TransactionState>(name, ignoreCase: false, out var state) && Enum.IsDefined(state) && !int.TryParse(name, out _))
            {
                states.Add(state);
            }
            else
            {
                response.UnknownStateFilters.Add(name);
            }
        }

        var producerIds = request.ProducerIdFilters.ToHashSet();
        var duration = context.ApiVersion >= 1 ? request.DurationFilter : -1;
        var now = coordinator.CurrentTimeMs;
        foreach (var transaction in coordinator.DescribeAll())
        {
            if ((request.StateFilters.Count > 0 && !states.Contains(transaction.State))
                || (producerIds.Count > 0 && !producerIds.Contains(transaction.ProducerId))
                || (duration >= 0 && (transaction.StartMs < 0 || now - transaction.StartMs < duration)))
            {
                continue;
            }

            response.TransactionStates.Add(new ListTransactionsResponse.TransactionStateData
            {
                TransactionalId = transaction.TransactionalId,
                ProducerId = transaction.ProducerId,
                TransactionState = transaction.State.ToString(),
            });
        }

        return ValueTask.FromResult<ListTransactionsResponse?>(response);
    }

    public override ListTransactionsResponse ErrorResponse(RequestContext context, ListTransactionsRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error };
}
