using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// JoinGroup: the request waits (asynchronously; the connection's next request waits behind it, as
/// in Kafka) until the group's rebalance completes. v4+ gets MEMBER_ID_REQUIRED on a first join,
/// v5+ may name a group.instance.id (static membership), v9 tells a static leader to skip assignment.
/// </summary>
public sealed class JoinGroupHandler(GroupCoordinator coordinator) : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    public override ApiKey ApiKey => ApiKey.JoinGroup;

    // v0 stays: librdkafka before 2.11 enables the balanced consumer only when the range includes it.
    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    public override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext context, JoinGroupRequest request, CancellationToken cancellationToken)
    {
        var join = new JoinGroupArgs(
            request.GroupId,
            request.MemberId,
            request.GroupInstanceId,
            RequireKnownMemberId: context.ApiVersion >= 4,
            SupportSkippingAssignment: context.ApiVersion >= 9,
            context.ClientId ?? "",
            GroupCoordinator.ClientHost(context.RemoteEndPoint),
            // v0 has no rebalance timeout: Kafka uses the session timeout.
            request.RebalanceTimeoutMs >= 0 && context.ApiVersion >= 1 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs,
            request.SessionTimeoutMs,
            request.ProtocolType,
            request.Protocols.Select(p => new GroupProtocol(p.Name, p.Metadata)).ToList());
        var result = await coordinator.JoinGroupAsync(join).WaitAsync(cancellationToken).ConfigureAwait(false);
        return ToResponse(result, context.ApiVersion);
    }

    private static JoinGroupResponse ToResponse(JoinGroupResult result, short version)
        => new()
        {
            ErrorCode = (short)result.Error,
            GenerationId = result.GenerationId,
            ProtocolType = version >= 7 ? result.ProtocolType : null,
            ProtocolName = result.ProtocolName ?? (version >= 7 ? null : ""),
            Leader = result.LeaderId,
            SkipAssignment = version >= 9 && result.SkipAssignment,
            MemberId = result.MemberId,
            Members = (result.Members ?? [])
                .Select(m => new JoinGroupResponse.JoinGroupResponseMember { MemberId = m.MemberId, GroupInstanceId = version >= 5 ? m.GroupInstanceId : null, Metadata = m.Metadata })
                .ToList(),
        };

    public override JoinGroupResponse ErrorResponse(RequestContext context, JoinGroupRequest request, ErrorCode error)
        => ToResponse(JoinGroupResult.Failed(error, request.MemberId), context.ApiVersion);
}
