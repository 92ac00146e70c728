using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// AddPartitionsToTxn: v0-3 (clients) add the partitions to the producer's transaction, all or none:
/// an unknown partition gets UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.
/// v4+ (broker-to-broker batches) may be verify-only.
/// </summary>
public sealed class AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicManager topics, ClusterMetadata metadata) : ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>
{
    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    public override async ValueTask<AddPartitionsToTxnResponse?> HandleAsync(RequestContext context, AddPartitionsToTxnRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion <= 3)
        {
            var results = await AddAsync(request.V3AndBelowTransactionalId, request.V3AndBelowProducerId, request.V3AndBelowProducerEpoch, request.V3AndBelowTopics, verifyOnly: false, context.ApiVersion)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
            return new AddPartitionsToTxnResponse { ResultsByTopicV3AndBelow = results };
        }

        var response = new AddPartitionsToTxnResponse();
        foreach (var transaction in request.Transactions)
        {
            response.ResultsByTransaction.Add(new AddPartitionsToTxnResponse.AddPartitionsToTxnResult
            {
                TransactionalId = transaction.TransactionalId,
                TopicResults = await AddAsync(transaction.TransactionalId, transaction.ProducerId, transaction.ProducerEpoch, transaction.Topics, transaction.VerifyOnly, context.ApiVersion)
                    .WaitAsync(cancellationToken)
                    .ConfigureAwait(false),
            });
        }

        return response;
    }

    private async Task<List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult>> AddAsync(string transactionalId, long producerId, short producerEpoch, List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> requested, bool verifyOnly, short version)
    {
        var partitions = requested.SelectMany(t => t.Partitions.Select(p => (t.Name, p))).ToList();
        Func<(string Topic, int Partition), ErrorCode> errorOf;
        if (verifyOnly)
        {
            errorOf = p => coordinator.VerifyPartition(transactionalId, producerId, producerEpoch, p.Topic, p.Partition);
        }
        else if (partitions.Any(p => !Exists(p.Name, p.p)))
        {
            errorOf = p => Exists(p.Topic, p.Partition) ? ErrorCode.OperationNotAttempted : ErrorCode.UnknownTopicOrPartition;
        }
        else
        {
            var added = await coordinator.AddPartitionsAsync(transactionalId, producerId, producerEpoch, partitions).ConfigureAwait(false);
            var error = TransactionErrors.ForVersion(added, version, fencedFrom: 2);
            errorOf = _ => error;
        }

        return requested.Select(t => new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult
        {
            Name = t.Name,
            ResultsByPartition = t.Partitions.Select(p => new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult { PartitionIndex = p, PartitionErrorCode = (short)errorOf((t.Name, p)) }).ToList(),
        }).ToList();
    }

    // In a cluster the coordinator need not host a replica of the partitions it coordinates.
    private bool Exists(string topic, int partition)
        => topics.GetPartition(topic, partition) is not null || (metadata.Enabled && metadata.View.Replicas(topic, partition) is not null);

    public override AddPartitionsToTxnResponse ErrorResponse(RequestContext context, AddPartitionsToTxnRequest request, ErrorCode error)
        => context.ApiVersion <= 3
            ? new AddPartitionsToTxnResponse
            {
                ResultsByTopicV3AndBelow = request.V3AndBelowTopics.Select(t => new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult
                {
                    Name = t.Name,
                    ResultsByPartition = t.Partitions.Select(p => new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult { PartitionIndex = p, PartitionErrorCode = (short)error }).ToList(),
                }).ToList(),
            }
            : new AddPartitionsToTxnResponse { ErrorCode = (short)error };
}
