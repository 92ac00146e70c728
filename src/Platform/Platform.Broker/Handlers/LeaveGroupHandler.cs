using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>LeaveGroup: one member (v0-2) or a batch named by member id or group.instance.id (v3+).</summary>
public sealed class LeaveGroupHandler(GroupCoordinator coordinator) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    public override ApiKey ApiKey => ApiKey.LeaveGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    public override ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request, CancellationToken cancellationToken)
    {
        var leaving = context.ApiVersion >= 3
            ? request.Members.Select(m => new LeavingMember(m.MemberId, m.GroupInstanceId)).ToList()
            : [new LeavingMember(request.MemberId, null)];
        var (error, members) = coordinator.LeaveGroup(request.GroupId, leaving);
        if (context.ApiVersion < 3)
        {
            // One member: its error is the response's error.
            return ValueTask.FromResult<LeaveGroupResponse?>(new LeaveGroupResponse { ErrorCode = (short)(error != ErrorCode.None ? error : members[0].Error), Members = [] });
        }

        return ValueTask.FromResult<LeaveGroupResponse?>(new LeaveGroupResponse
        {
            ErrorCode = (short)error,
            Members = error != ErrorCode.None
                ? []
                : members.Select(m => new LeaveGroupResponse.MemberResponse { MemberId = m.MemberId, GroupInstanceId = m.GroupInstanceId, ErrorCode = (short)m.Error }).ToList(),
        });
    }

    public override LeaveGroupResponse ErrorResponse(RequestContext context, LeaveGroupRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, Members = [] };
}
