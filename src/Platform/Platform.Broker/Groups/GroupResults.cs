using Platform.Protocol;

namespace Platform.Broker.Groups;

/// <summary>A member of the group as the leader sees it in its JoinGroup response.</summary>
public sealed record JoinedMember(string MemberId, string? GroupInstanceId, byte[] Metadata);

/// <summary>What a JoinGroup answers once the rebalance completes (or at once, for errors).</summary>
public sealed record JoinGroupResult(
    ErrorCode Error,
    string MemberId,
    int GenerationId = -1,
    string? ProtocolType = null,
    string? ProtocolName = null,
    string LeaderId = "",
    IReadOnlyList<JoinedMember>? Members = null,
    bool SkipAssignment = false)
{
    public static JoinGroupResult Failed(ErrorCode error, string memberId = "") => new(error, memberId);
}

/// <summary>What a SyncGroup answers: the member's assignment, once the leader sent it.</summary>
public sealed record SyncGroupResult(ErrorCode Error, byte[] Assignment, string? ProtocolType = null, string? ProtocolName = null)
{
    public static SyncGroupResult Failed(ErrorCode error) => new(error, []);
}

/// <summary>The JoinGroup fields the coordinator needs, independent of the request version.</summary>
public sealed record JoinGroupArgs(
    string GroupId,
    string MemberId,
    string? GroupInstanceId,
    bool RequireKnownMemberId,
    bool SupportSkippingAssignment,
    string ClientId,
    string ClientHost,
    int RebalanceTimeoutMs,
    int SessionTimeoutMs,
    string ProtocolType,
    IReadOnlyList<GroupProtocol> Protocols);

/// <summary>A member named in a LeaveGroup request, and the error for it.</summary>
public sealed record LeavingMember(string MemberId, string? GroupInstanceId, ErrorCode Error = ErrorCode.None);

/// <summary>A group as DescribeGroups reports it.</summary>
public sealed record GroupDescription(ErrorCode Error, string GroupId, string State, string ProtocolType, string ProtocolData, IReadOnlyList<MemberDescription> Members);

/// <summary>A member as DescribeGroups reports it; metadata and assignment only for stable groups.</summary>
public sealed record MemberDescription(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost, byte[] Metadata, byte[] Assignment);

/// <summary>A group as ListGroups reports it.</summary>
public sealed record GroupListing(string GroupId, string ProtocolType, string State);
