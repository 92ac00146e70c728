using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// OffsetFetch: committed offsets (-1 where none), for the named partitions or, with null topics
/// (v2+), every partition the group committed; v7 adds require_stable, v8 a batch of groups.
/// </summary>
public sealed class OffsetFetchHandler(GroupCoordinator coordinator) : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    public override short MinVersion => 0;

    public override short MaxVersion => 8;

    public override ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        if (version >= 8)
        {
            var response = new OffsetFetchResponse { Topics = [] };
            foreach (var group in request.Groups)
            {
                var requested = group.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartition(t.Name, p))).ToList();
                var (error, offsets) = coordinator.FetchOffsets(group.GroupId, requested, request.RequireStable);
                var unstable = request.RequireStable ? coordinator.UnstablePartitions(group.GroupId) : Empty;
                response.Groups.Add(new OffsetFetchResponse.OffsetFetchResponseGroup
                {
                    GroupId = group.GroupId,
                    ErrorCode = (short)error,
                    Topics = offsets.GroupBy(o => o.Partition.Topic).Select(t => new OffsetFetchResponse.OffsetFetchResponseTopics
                    {
                        Name = t.Key,
                        Partitions = t.Select(o => new OffsetFetchResponse.OffsetFetchResponsePartitions
                        {
                            PartitionIndex = o.Partition.Partition,
                            CommittedOffset = unstable.Contains(o.Partition) ? -1 : o.Offset?.Offset ?? -1,
                            CommittedLeaderEpoch = o.Offset?.LeaderEpoch ?? -1,
                            Metadata = o.Offset?.Metadata ?? "",
                            ErrorCode = (short)(unstable.Contains(o.Partition) ? ErrorCode.UnstableOffsetCommit : ErrorCode.None),
                        }).ToList(),
                    }).ToList(),
                });
            }

            return ValueTask.FromResult<OffsetFetchResponse?>(response);
        }

        // v0-1 have no "all partitions" form; v2+ send null topics for it.
        var partitions = request.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartition(t.Name, p))).ToList();
        var requireStable = version >= 7 && request.RequireStable;
        var (groupError, found) = coordinator.FetchOffsets(request.GroupId, partitions, requireStable);
        var unstablePartitions = requireStable ? coordinator.UnstablePartitions(request.GroupId) : Empty;
        return ValueTask.FromResult<OffsetFetchResponse?>(Single(found, groupError, version, unstablePartitions));
    }

    private static readonly IReadOnlySet<TopicPartition> Empty = new HashSet<TopicPartition>();

    private static OffsetFetchResponse Single(IEnumerable<(TopicPartition Partition, CommittedOffset? Offset)> offsets, ErrorCode error, short version, IReadOnlySet<TopicPartition> unstable)
        => new()
        {
            // v0-1 have no group-level error: each partition carries it.
            ErrorCode = version >= 2 ? (short)error : (short)0,
            Groups = [],
            Topics = offsets.GroupBy(o => o.Partition.Topic).Select(t => new OffsetFetchResponse.OffsetFetchResponseTopic
            {
                Name = t.Key,
                Partitions = t.Select(o => new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = o.Partition.Partition,
                    CommittedOffset = unstable.Contains(o.Partition) ? -1 : o.Offset?.Offset ?? -1,
                    CommittedLeaderEpoch = version >= 5 ? o.Offset?.LeaderEpoch ?? -1 : -1,
                    Metadata = o.Offset?.Metadata ?? "",
                    ErrorCode = (short)(unstable.Contains(o.Partition) ? ErrorCode.UnstableOffsetCommit : error),
                }).ToList(),
            }).ToList(),
        };

    public override OffsetFetchResponse ErrorResponse(RequestContext context, OffsetFetchRequest request, ErrorCode error)
    {
        if (context.ApiVersion >= 8)
        {
            return new OffsetFetchResponse
            {
                Topics = [],
                Groups = request.Groups.Select(g => new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = g.GroupId, ErrorCode = (short)error, Topics = [] }).ToList(),
            };
        }

        var partitions = request.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => (new TopicPartition(t.Name, p), (CommittedOffset?)null))) ?? [];
        return Single(partitions, error, context.ApiVersion, Empty);
    }
}
