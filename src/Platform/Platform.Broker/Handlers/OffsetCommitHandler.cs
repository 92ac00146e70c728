using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// OffsetCommit: partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION and metadata longer than
/// offset.metadata.max.bytes gets OFFSET_METADATA_TOO_LARGE; the rest are committed together.
/// v0-1 are served because librdkafka before 2.11 gates its group consumer on OffsetCommit 1-2.
/// </summary>
public sealed class OffsetCommitHandler(GroupCoordinator coordinator, TopicManager topics, IOptions<BrokerOptions> options, TimeProvider time)
    : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 8;

    // Every append happens before the first wait (for the fsync or the ISR), which is all that is left.
    public override bool Pipelined => true;

    public override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var version = context.ApiVersion;
        var errors = new Dictionary<TopicPartition, ErrorCode>();
        var valid = new List<(TopicPartition, CommittedOffset)>();
        foreach (var topic in request.Topics)
        {
            var known = topics.TryGetTopic(topic.Name, out var state) ? state : null;
            foreach (var partition in topic.Partitions)
            {
                var key = new TopicPartition(topic.Name, partition.PartitionIndex);
                var metadata = partition.CommittedMetadata ?? "";
                if (known?.GetPartition(partition.PartitionIndex) is null)
                {
                    errors[key] = ErrorCode.UnknownTopicOrPartition;
                }
                else if (metadata.Length > options.Value.OffsetMetadataMaxBytes)
                {
                    errors[key] = ErrorCode.OffsetMetadataTooLarge;
                }
                else
                {
                    // v1 carries a commit time per partition; v2-4 a retention time, which sets the old-style expiry.
                    var commitTime = version == 1 && partition.CommitTimestamp >= 0 ? partition.CommitTimestamp : now;
                    long? expire = version is >= 2 and <= 4 && request.RetentionTimeMs >= 0 ? commitTime + request.RetentionTimeMs : null;
                    valid.Add((key, new CommittedOffset(partition.CommittedOffset, version >= 6 ? partition.CommittedLeaderEpoch : -1, metadata, commitTime, expire)));
                }
            }
        }

        if (valid.Count > 0)
        {
            var error = await coordinator.CommitOffsetsAsync(request.GroupId, request.MemberId, request.GroupInstanceId, request.GenerationIdOrMemberEpoch, valid).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (key, _) in valid)
            {
                errors[key] = error;
            }
        }

        return Respond(request, p => errors.GetValueOrDefault(p));
    }

    private static OffsetCommitResponse Respond(OffsetCommitRequest request, Func<TopicPartition, ErrorCode> error)
        => new()
        {
            Topics = request.Topics.Select(t => new OffsetCommitResponse.OffsetCommitResponseTopic
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new OffsetCommitResponse.OffsetCommitResponsePartition
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = (short)error(new TopicPartition(t.Name, p.PartitionIndex)),
                }).ToList(),
            }).ToList(),
        };

    public override OffsetCommitResponse ErrorResponse(RequestContext context, OffsetCommitRequest request, ErrorCode error)
        => Respond(request, _ => error);
}
