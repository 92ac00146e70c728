using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>ListGroups: every group with its protocol type; v4 filters by state.</summary>
public sealed class ListGroupsHandler(GroupCoordinator coordinator) : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override ValueTask<ListGroupsResponse?> HandleAsync(RequestContext context, ListGroupsRequest request, CancellationToken cancellationToken)
    {
        var (error, groups) = coordinator.ListGroups(context.ApiVersion >= 4 ? request.StatesFilter : []);
        return ValueTask.FromResult<ListGroupsResponse?>(new ListGroupsResponse
        {
            ErrorCode = (short)error,
            Groups = groups.Select(g => new ListGroupsResponse.ListedGroup { GroupId = g.GroupId, ProtocolType = g.ProtocolType, GroupState = g.State }).ToList(),
        });
    }

    public override ListGroupsResponse ErrorResponse(RequestContext context, ListGroupsRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, Groups = [] };
}
