using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// ElectLeaders (preferred or unclean; all partitions when none are named), decided by the controller. A single
/// broker leads every partition already: ELECTION_NOT_NEEDED.
/// </summary>
public sealed class ElectLeadersHandler(ClusterMetadata metadata, ClusterAdmin admin, TopicManager topics) : ApiHandler<ElectLeadersRequest, ElectLeadersResponse>
{
    private const sbyte Preferred = 0;
    private const sbyte Unclean = 1;

    public override ApiKey ApiKey => ApiKey.ElectLeaders;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    public override async ValueTask<ElectLeadersResponse?> HandleAsync(RequestContext context, ElectLeadersRequest request, CancellationToken cancellationToken)
    {
        if (request.ElectionType is not (Preferred or Unclean))
        {
            return ErrorResponse(context, request, ErrorCode.InvalidRequest);
        }

        var named = request.TopicPartitions?.SelectMany(t => t.Partitions.Select(p => (t.Topic, p))).ToList();
        if (!metadata.Enabled)
        {
            var all = named ?? [.. topics.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p.Index)))];
            return Respond(all.Select(k => (k, topics.GetPartition(k.Item1, k.Item2) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.ElectionNotNeeded, (string?)null)));
        }

        return await admin.ViaControllerAsync(
            context,
            request,
            async controller =>
            {
                var results = await controller.ElectLeadersAsync(request.ElectionType == Preferred, named, cancellationToken).ConfigureAwait(false);
                return Respond(results.Select(r => (r.Key, ClusterAdmin.ToErrorCode(r.Value.Error), r.Value.Message)));
            },
            e => ErrorResponse(context, request, e),
            cancellationToken).ConfigureAwait(false);
    }

    private static ElectLeadersResponse Respond(IEnumerable<((string Topic, int Partition) Key, ErrorCode Error, string? Message)> results)
        => new()
        {
            ReplicaElectionResults = [.. results.GroupBy(r => r.Key.Topic).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new ElectLeadersResponse.ReplicaElectionResult
            {
                Topic = g.Key,
                PartitionResult = [.. g.OrderBy(r => r.Key.Partition).Select(r => new ElectLeadersResponse.PartitionResult
                {
                    PartitionId = r.Key.Partition,
                    ErrorCode = (short)r.Error,
                    ErrorMessage = r.Error == ErrorCode.None ? null : r.Message ?? r.Error.ToKafkaName(),
                })],
            })],
        };

    public override ElectLeadersResponse ErrorResponse(RequestContext context, ElectLeadersRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error };
}
