using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>SyncGroup: the leader hands in the assignment; every member waits for (and receives) its own part.</summary>
public sealed class SyncGroupHandler(GroupCoordinator coordinator) : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    public override ApiKey ApiKey => ApiKey.SyncGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    public override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request, CancellationToken cancellationToken)
    {
        var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var assignment in request.Assignments)
        {
            assignments[assignment.MemberId] = assignment.Assignment;
        }

        var result = await coordinator
            .SyncGroupAsync(request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId, request.ProtocolType, request.ProtocolName, assignments)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        return ToResponse(result, context.ApiVersion);
    }

    private static SyncGroupResponse ToResponse(SyncGroupResult result, short version)
        => new()
        {
            ErrorCode = (short)result.Error,
            ProtocolType = version >= 5 ? result.ProtocolType : null,
            ProtocolName = version >= 5 ? result.ProtocolName : null,
            Assignment = result.Assignment,
        };

    public override SyncGroupResponse ErrorResponse(RequestContext context, SyncGroupRequest request, ErrorCode error)
        => ToResponse(SyncGroupResult.Failed(error), context.ApiVersion);
}
