using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// AlterPartitionReassignments: the controller moves each named partition to its new replicas (null replicas cancel
/// the move in progress). A single broker has nowhere to move a partition to.
/// </summary>
public sealed class AlterPartitionReassignmentsHandler(ClusterMetadata metadata, ClusterAdmin admin)
    : ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    public override async ValueTask<AlterPartitionReassignmentsResponse?> HandleAsync(
        RequestContext context, AlterPartitionReassignmentsRequest request, CancellationToken cancellationToken)
    {
        if (!metadata.Enabled)
        {
            return Respond(request, (_, _) => (ErrorCode.InvalidReplicaAssignment, "A single broker (no etcd.endpoints) cannot reassign partitions."));
        }

        return await admin.ViaControllerAsync(
            context,
            request,
            async controller =>
            {
                var results = new Dictionary<(string, int), (ErrorCode, string?)>();
                foreach (var topic in request.Topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        var outcome = await controller.AlterReassignmentAsync(topic.Name, partition.PartitionIndex, partition.Replicas?.ToArray(), cancellationToken)
                            .ConfigureAwait(false);
                        results[(topic.Name, partition.PartitionIndex)] = (ClusterAdmin.ToErrorCode(outcome.Error), outcome.Message);
                    }
                }

                return Respond(request, (topic, partition) => results[(topic, partition)]);
            },
            e => ErrorResponse(context, request, e),
            cancellationToken).ConfigureAwait(false);
    }

    private static AlterPartitionReassignmentsResponse Respond(AlterPartitionReassignmentsRequest request, Func<string, int, (ErrorCode Error, string? Message)> outcome)
        => new()
        {
            ErrorMessage = null,
            Responses = [.. request.Topics.Select(t => new AlterPartitionReassignmentsResponse.ReassignableTopicResponse
            {
                Name = t.Name,
                Partitions = [.. t.Partitions.Select(p =>
                {
                    var (error, message) = outcome(t.Name, p.PartitionIndex);
                    return new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse
                    {
                        PartitionIndex = p.PartitionIndex,
                        ErrorCode = (short)error,
                        ErrorMessage = error == ErrorCode.None ? null : message,
                    };
                })],
            })],
        };

    public override AlterPartitionReassignmentsResponse ErrorResponse(RequestContext context, AlterPartitionReassignmentsRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, ErrorMessage = error.ToKafkaName(), Responses = [] };
}
