using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DescribeGroups: state, protocol and members (with metadata and assignment once stable) of each group.</summary>
public sealed class DescribeGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    /// <summary>READ, DELETE and DESCRIBE, the ACL operations on a group: no authorizer yet.</summary>
    internal const int AllGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

    public override ApiKey ApiKey => ApiKey.DescribeGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    public override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var operations = version >= 3 && request.IncludeAuthorizedOperations ? AllGroupOperations : int.MinValue;
        var response = new DescribeGroupsResponse { Groups = [] };
        foreach (var groupId in request.Groups)
        {
            var description = coordinator.DescribeGroup(groupId);
            response.Groups.Add(new DescribeGroupsResponse.DescribedGroup
            {
                ErrorCode = (short)description.Error,
                GroupId = groupId,
                GroupState = description.State,
                ProtocolType = description.ProtocolType,
                ProtocolData = description.ProtocolData,
                AuthorizedOperations = operations,
                Members = description.Members.Select(m => new DescribeGroupsResponse.DescribedGroupMember
                {
                    MemberId = m.MemberId,
                    GroupInstanceId = version >= 4 ? m.GroupInstanceId : null,
                    ClientId = m.ClientId,
                    ClientHost = m.ClientHost,
                    MemberMetadata = m.Metadata,
                    MemberAssignment = m.Assignment,
                }).ToList(),
            });
        }

        return ValueTask.FromResult<DescribeGroupsResponse?>(response);
    }

    public override DescribeGroupsResponse ErrorResponse(RequestContext context, DescribeGroupsRequest request, ErrorCode error)
        => new()
        {
            Groups = request.Groups.Select(g => new DescribeGroupsResponse.DescribedGroup { ErrorCode = (short)error, GroupId = g, Members = [] }).ToList(),
        };
}
