using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// DescribeTransactions: state, timeout, start time, producer and partitions of each transactional id;
/// an id this coordinator does not know is TRANSACTIONAL_ID_NOT_FOUND.
/// </summary>
public sealed class DescribeTransactionsHandler(TransactionCoordinator coordinator) : ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeTransactions;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    public override ValueTask<DescribeTransactionsResponse?> HandleAsync(RequestContext context, DescribeTransactionsRequest request, CancellationToken cancellationToken)
    {
        if (coordinator.DescribeError != ErrorCode.None)
        {
            return ValueTask.FromResult<DescribeTransactionsResponse?>(ErrorResponse(context, request, coordinator.DescribeError));
        }

        var response = new DescribeTransactionsResponse();
        foreach (var id in request.TransactionalIds)
        {
            var transaction = coordinator.Describe(id);
            if (transaction is null || transaction.State == TransactionState.Dead)
            {
                response.TransactionStates.Add(new() { TransactionalId = id, ErrorCode = (short)ErrorCode.TransactionalIdNotFound, TransactionStartTimeMs = -1, ProducerId = -1, ProducerEpoch = -1 });
                continue;
            }

            response.TransactionStates.Add(new DescribeTransactionsResponse.TransactionStateData
            {
                TransactionalId = id,
                TransactionState = transaction.State.ToString(),
                TransactionTimeoutMs = transaction.TimeoutMs,
                TransactionStartTimeMs = transaction.StartMs,
                ProducerId = transaction.ProducerId,
                ProducerEpoch = transaction.ProducerEpoch,
                Topics = transaction.Partitions
                    .GroupBy(p => p.Topic, StringComparer.Ordinal)
                    .Select(g => new DescribeTransactionsResponse.TopicData { Topic = g.Key, Partitions = g.Select(p => p.Partition).ToList() })
                    .ToList(),
            });
        }

        return ValueTask.FromResult<DescribeTransactionsResponse?>(response);
    }

    public override DescribeTransactionsResponse ErrorResponse(RequestContext context, DescribeTransactionsRequest request, ErrorCode error)
        => new()
        {
            TransactionStates = request.TransactionalIds
                .Select(id => new DescribeTransactionsResponse.TransactionStateData { TransactionalId = id, ErrorCode = (short)error, TransactionStartTimeMs = -1, ProducerId = -1, ProducerEpoch = -1 })
                .ToList(),
        };
}
