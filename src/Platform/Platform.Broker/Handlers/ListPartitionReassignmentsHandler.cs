using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>ListPartitionReassignments: the moves in progress, from the controller (all when no topics are named). A single broker has none.</summary>
public sealed class ListPartitionReassignmentsHandler(ClusterMetadata metadata, ClusterAdmin admin)
    : ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    public override async ValueTask<ListPartitionReassignmentsResponse?> HandleAsync(
        RequestContext context, ListPartitionReassignmentsRequest request, CancellationToken cancellationToken)
    {
        if (!metadata.Enabled)
        {
            return new ListPartitionReassignmentsResponse { ErrorMessage = null, Topics = [] };
        }

        var named = request.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => (t.Name, p))).ToList();
        return await admin.ViaControllerAsync(
            context,
            request,
            async controller =>
            {
                var moves = await controller.ListReassignmentsAsync(named, cancellationToken).ConfigureAwait(false);
                return new ListPartitionReassignmentsResponse
                {
                    ErrorMessage = null,
                    Topics = [.. moves.GroupBy(m => m.Key.Topic).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new ListPartitionReassignmentsResponse.OngoingTopicReassignment
                    {
                        Name = g.Key,
                        Partitions = [.. g.OrderBy(m => m.Key.Partition).Select(m => new ListPartitionReassignmentsResponse.OngoingPartitionReassignment
                        {
                            PartitionIndex = m.Key.Partition,
                            Replicas = [.. m.Value.Replicas],
                            AddingReplicas = [.. m.Value.Adding],
                            RemovingReplicas = [.. m.Value.Removing],
                        })],
                    })],
                };
            },
            e => ErrorResponse(context, request, e),
            cancellationToken).ConfigureAwait(false);
    }

    public override ListPartitionReassignmentsResponse ErrorResponse(RequestContext context, ListPartitionReassignmentsRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, ErrorMessage = error.ToKafkaName(), Topics = [] };
}
