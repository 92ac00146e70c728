namespace Platform.Broker.Groups;

/// <summary>One protocol a member offers in JoinGroup: a name (e.g. an assignor) and opaque metadata.</summary>
public sealed record GroupProtocol(string Name, byte[] Metadata);

/// <summary>
/// A member of a classic group. Its metadata and assignment are opaque bytes: the coordinator never
/// interprets them, so any client's assignor works. Mutated only under its group's lock.
/// </summary>
internal sealed class GroupMember
{
    public GroupMember(string memberId, string? groupInstanceId, string clientId, string clientHost, int rebalanceTimeoutMs, int sessionTimeoutMs, string protocolType, IReadOnlyList<GroupProtocol> protocols)
    {
        MemberId = memberId;
        GroupInstanceId = groupInstanceId;
        ClientId = clientId;
        ClientHost = clientHost;
        RebalanceTimeoutMs = rebalanceTimeoutMs;
        SessionTimeoutMs = sessionTimeoutMs;
        ProtocolType = protocolType;
        Protocols = protocols;
    }

    public string MemberId { get; set; }

    public string? GroupInstanceId { get; }

    public string ClientId { get; set; }

    public string ClientHost { get; set; }

    public int RebalanceTimeoutMs { get; set; }

    public int SessionTimeoutMs { get; set; }

    public string ProtocolType { get; }

    public IReadOnlyList<GroupProtocol> Protocols { get; set; }

    public byte[] Assignment { get; set; } = [];

    /// <summary>Set while the member's JoinGroup waits for the rebalance to complete.</summary>
    public TaskCompletionSource<JoinGroupResult>? AwaitingJoin { get; set; }

    /// <summary>Set while a follower's SyncGroup waits for the leader's assignment.</summary>
    public TaskCompletionSource<SyncGroupResult>? AwaitingSync { get; set; }

    /// <summary>True from the first join until that rebalance completes.</summary>
    public bool IsNew { get; set; }

    /// <summary>When the session ends unless a heartbeat (or any request of the member) moves it.</summary>
    public long SessionDeadlineMs { get; set; }

    public ITimer? SessionTimer { get; set; }

    public bool IsStatic => GroupInstanceId is not null;

    public bool IsAwaitingJoin => AwaitingJoin is not null;

    public bool IsAwaitingSync => AwaitingSync is not null;

    public byte[] MetadataFor(string protocol)
        => Protocols.FirstOrDefault(p => p.Name == protocol)?.Metadata ?? throw new InvalidOperationException($"Member {MemberId} does not support protocol {protocol}.");

    /// <summary>True when <paramref name="protocols"/> are the member's, in the same order with the same bytes.</summary>
    public bool Matches(IReadOnlyList<GroupProtocol> protocols)
        => protocols.Count == Protocols.Count
           && protocols.Zip(Protocols).All(pair => pair.First.Name == pair.Second.Name && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));

    public void CompleteJoin(JoinGroupResult result)
    {
        var waiter = AwaitingJoin;
        AwaitingJoin = null;
        waiter?.TrySetResult(result);
    }

    public void CompleteSync(SyncGroupResult result)
    {
        var waiter = AwaitingSync;
        AwaitingSync = null;
        waiter?.TrySetResult(result);
    }

    public void DisposeTimer()
    {
        SessionTimer?.Dispose();
        SessionTimer = null;
    }
}
