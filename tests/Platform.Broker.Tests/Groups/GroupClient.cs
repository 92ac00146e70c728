using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Groups;

/// <summary>
/// One group member on its own connection (a JoinGroup blocks its connection until the rebalance
/// completes, so concurrent members need separate ones), speaking the group APIs with raw frames.
/// </summary>
internal sealed class GroupClient : IAsyncDisposable
{
    public const string ProtocolType = "consumer";

    private readonly RawConnection _connection;

    private GroupClient(RawConnection connection, string groupId)
    {
        _connection = connection;
        GroupId = groupId;
    }

    public string GroupId { get; }

    public string MemberId { get; set; } = "";

    public int Generation { get; set; } = -1;

    public string? InstanceId { get; init; }

    public static async Task<GroupClient> ConnectAsync(EmbeddedBroker broker, string groupId, string? instanceId = null)
        => new(await RawConnection.ConnectAsync(broker), groupId) { InstanceId = instanceId };

    public static List<JoinGroupRequest.JoinGroupRequestProtocol> Protocols(params string[] names)
        => names.Select(n => new JoinGroupRequest.JoinGroupRequestProtocol { Name = n, Metadata = System.Text.Encoding.UTF8.GetBytes("meta-" + n) }).ToList();

    /// <summary>Sends JoinGroup (waits for the rebalance) and remembers the member id and generation it returns.</summary>
    public async Task<JoinGroupResponse> JoinAsync(int sessionTimeoutMs = 10_000, int rebalanceTimeoutMs = 10_000, short version = 5, string protocolType = ProtocolType, List<JoinGroupRequest.JoinGroupRequestProtocol>? protocols = null)
    {
        var request = new JoinGroupRequest
        {
            GroupId = GroupId,
            SessionTimeoutMs = sessionTimeoutMs,
            RebalanceTimeoutMs = rebalanceTimeoutMs,
            MemberId = MemberId,
            GroupInstanceId = version >= 5 ? InstanceId : null,
            ProtocolType = protocolType,
            Protocols = protocols ?? Protocols("range"),
        };
        var response = await _connection.SendAsync<JoinGroupResponse>(request, version);
        if (response.ErrorCode is 0 or (short)ErrorCode.MemberIdRequired)
        {
            MemberId = response.MemberId;
            Generation = response.GenerationId;
        }

        return response;
    }

    /// <summary>The full v4+ join: MEMBER_ID_REQUIRED, then the join with the id it handed out.</summary>
    public async Task<JoinGroupResponse> JoinFullyAsync(int sessionTimeoutMs = 10_000, int rebalanceTimeoutMs = 10_000, short version = 5)
    {
        var response = await JoinAsync(sessionTimeoutMs, rebalanceTimeoutMs, version);
        return response.ErrorCode == (short)ErrorCode.MemberIdRequired ? await JoinAsync(sessionTimeoutMs, rebalanceTimeoutMs, version) : response;
    }

    public Task<SyncGroupResponse> SyncAsync(Dictionary<string, string>? assignments = null, short version = 3, int? generation = null)
        => _connection.SendAsync<SyncGroupResponse>(
            new SyncGroupRequest
            {
                GroupId = GroupId,
                GenerationId = generation ?? Generation,
                MemberId = MemberId,
                GroupInstanceId = version >= 3 ? InstanceId : null,
                Assignments = (assignments ?? []).Select(a => new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = a.Key, Assignment = System.Text.Encoding.UTF8.GetBytes(a.Value) }).ToList(),
            },
            version);

    public async Task<ErrorCode> HeartbeatAsync(int? generation = null, string? memberId = null, short version = 3)
        => (ErrorCode)(await _connection.SendAsync<HeartbeatResponse>(
            new HeartbeatRequest { GroupId = GroupId, GenerationId = generation ?? Generation, MemberId = memberId ?? MemberId, GroupInstanceId = version >= 3 ? InstanceId : null },
            version)).ErrorCode;

    /// <summary>
    /// Heartbeats until the coordinator answers REBALANCE_IN_PROGRESS: another member's JoinGroup is
    /// sent on its own connection, so nothing else orders it before this member's next request.
    /// </summary>
    public async Task WaitForRebalanceAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            var error = await HeartbeatAsync();
            if (error == ErrorCode.RebalanceInProgress)
            {
                return;
            }

            Assert.Equal(ErrorCode.None, error);
            await Task.Delay(10);
        }

        Assert.Fail($"Group {GroupId} did not start rebalancing.");
    }

    public Task<LeaveGroupResponse> LeaveAsync(short version = 3)
        => version >= 3
            ? _connection.SendAsync<LeaveGroupResponse>(new LeaveGroupRequest { GroupId = GroupId, Members = [new() { MemberId = MemberId, GroupInstanceId = InstanceId }] }, version)
            : _connection.SendAsync<LeaveGroupResponse>(new LeaveGroupRequest { GroupId = GroupId, MemberId = MemberId, Members = [] }, version);

    public async Task<ErrorCode> CommitAsync(string topic, int partition, long offset, string? metadata = "", short version = 7, int? generation = null, string? memberId = null)
    {
        var response = await _connection.SendAsync<OffsetCommitResponse>(
            new OffsetCommitRequest
            {
                GroupId = GroupId,
                GenerationIdOrMemberEpoch = generation ?? Generation,
                MemberId = memberId ?? MemberId,
                GroupInstanceId = version >= 7 ? InstanceId : null,
                Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset, CommittedMetadata = metadata }] }],
            },
            version);
        return (ErrorCode)response.Topics[0].Partitions[0].ErrorCode;
    }

    public Task<OffsetFetchResponse> FetchOffsetsAsync(List<OffsetFetchRequest.OffsetFetchRequestTopic>? topics, short version = 7, bool requireStable = false)
        => _connection.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { GroupId = GroupId, Topics = topics, RequireStable = requireStable }, version);

    public Task<TResponse> SendAsync<TResponse>(IRequestMessage request, short version)
        where TResponse : IResponseMessage, new()
        => _connection.SendAsync<TResponse>(request, version);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
