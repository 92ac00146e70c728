using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DeleteGroups: empty groups go (with their offsets); others get NON_EMPTY_GROUP, unknown ones GROUP_ID_NOT_FOUND.</summary>
public sealed class DeleteGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    public override async ValueTask<DeleteGroupsResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request, CancellationToken cancellationToken)
    {
        var errors = await Task.WhenAll(request.GroupsNames.Select(coordinator.DeleteGroupAsync)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new DeleteGroupsResponse
        {
            Results = request.GroupsNames.Zip(errors, (g, error) => new DeleteGroupsResponse.DeletableGroupResult { GroupId = g, ErrorCode = (short)error }).ToList(),
        };
    }

    public override DeleteGroupsResponse ErrorResponse(RequestContext context, DeleteGroupsRequest request, ErrorCode error)
        => new() { Results = request.GroupsNames.Select(g => new DeleteGroupsResponse.DeletableGroupResult { GroupId = g, ErrorCode = (short)error }).ToList() };
}
