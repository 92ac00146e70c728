using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Broker.Transactions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// TxnOffsetCommit: offsets staged in the producer's transaction (its group partition must have been
/// added with AddOffsetsToTxn, else INVALID_TXN_STATE), visible to OffsetFetch only after the commit.
/// </summary>
public sealed class TxnOffsetCommitHandler(GroupCoordinator groups, TransactionCoordinator transactions, TimeProvider time) : ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>
{
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override async ValueTask<TxnOffsetCommitResponse?> HandleAsync(RequestContext context, TxnOffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var error = transactions.VerifyOffsetCommit(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId);
        if (error == ErrorCode.None)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var offsets = request.Topics.SelectMany(t => t.Partitions.Select(p => (
                new TopicPartition(t.Name, p.PartitionIndex),
                new CommittedOffset(p.CommittedOffset, p.CommittedLeaderEpoch, p.CommittedMetadata ?? "", now, -1)))).ToList();
            error = await groups.TxnCommitOffsetsAsync(request.GroupId, request.ProducerId, request.ProducerEpoch, request.MemberId, request.GroupInstanceId, request.GenerationId, offsets)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
        }

        return ErrorResponse(context, request, TransactionErrors.ForVersion(error, context.ApiVersion, fencedFrom: 3));
    }

    public override TxnOffsetCommitResponse ErrorResponse(RequestContext context, TxnOffsetCommitRequest request, ErrorCode error)
        => new()
        {
            Topics = request.Topics.Select(t => new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error }).ToList(),
            }).ToList(),
        };
}
