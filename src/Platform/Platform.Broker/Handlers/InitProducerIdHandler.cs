using Microsoft.Extensions.Logging;
using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// InitProducerId for idempotent producers: a fresh producer id with epoch 0, as Kafka does when there
/// is no transactional.id (the ProducerId/ProducerEpoch fields of v3+ matter only to transactional
/// producers). v0 is served because librdkafka before 2.11 enables idempotence only if it is.
/// A transactional.id goes to the transaction coordinator (fencing older instances); an empty one is
/// INVALID_REQUEST, as in Kafka.
/// </summary>
public sealed partial class InitProducerIdHandler(ProducerIdManager producerIds, Transactions.TransactionCoordinator transactions, ILogger<InitProducerIdHandler> logger) : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    public override async ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId is not null)
        {
            if (request.TransactionalId.Length == 0)
            {
                return ErrorResponse(context, request, ErrorCode.InvalidRequest);
            }

            var (error, id, epoch) = await transactions.InitProducerIdAsync(request.TransactionalId, request.TransactionTimeoutMs, request.ProducerId, request.ProducerEpoch)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
            return error == ErrorCode.None
                ? new InitProducerIdResponse { ProducerId = id, ProducerEpoch = epoch }
                : ErrorResponse(context, request, Transactions.TransactionErrors.ForVersion(error, context.ApiVersion, fencedFrom: 4));
        }

        long producerId;
        try
        {
            producerId = producerIds.NextProducerId();
        }
        catch (IOException e)
        {
            LogAllocationFailed(e);
            return ErrorResponse(context, request, ErrorCode.UnknownServerError);
        }

        return new InitProducerIdResponse { ProducerId = producerId, ProducerEpoch = 0 };
    }

    public override InitProducerIdResponse ErrorResponse(RequestContext context, InitProducerIdRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };

    [LoggerMessage(EventId = 1400, Level = LogLevel.Error, Message = "Could not record a new producer id block")]
    private partial void LogAllocationFailed(Exception exception);
}
