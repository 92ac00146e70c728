using Platform.Protocol.Messages;

namespace Platform.Broker.Groups;

/// <summary>
/// The members of a classic group in join order, its static members (group.instance.id to member id),
/// the member ids handed out with MEMBER_ID_REQUIRED and not yet used, and the leader; with the
/// protocol vote and the subscriptions read from them. Changed only under the group's lock.
/// </summary>
internal sealed class GroupMembers
{
    /// <summary>The protocol type of Kafka consumers, whose subscriptions the coordinator may read.</summary>
    public const string ConsumerProtocolType = "consumer";

    private readonly OrderedDictionary<string, GroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _static = new(StringComparer.Ordinal);

    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED, waiting for their second JoinGroup; each with its expiry timer.</summary>
    public Dictionary<string, ITimer> Pending { get; } = new(StringComparer.Ordinal);

    public string? LeaderId { get; set; }

    /// <summary>Set by the first member that joins an empty group; null for a group that only stores offsets.</summary>
    public string? ProtocolType { get; set; }

    public int Count => _members.Count;

    /// <summary>In join order: the first one becomes leader when the leader leaves.</summary>
    public IEnumerable<GroupMember> All => _members.Values;

    public bool Has(string memberId) => _members.ContainsKey(memberId);

    public GroupMember Get(string memberId) => _members[memberId];

    public bool TryGet(string memberId, out GroupMember member) => _members.TryGetValue(memberId, out member!);

    public bool IsLeader(string memberId) => LeaderId == memberId;

    public int NumAwaitingJoin => _members.Values.Count(m => m.IsAwaitingJoin);

    public bool HaveAllJoined => _members.Count == NumAwaitingJoin && Pending.Count == 0;

    /// <summary>The longest rebalance timeout of the members: how long a join phase may last.</summary>
    public int RebalanceTimeoutMs => _members.Count == 0 ? 0 : _members.Values.Max(m => m.RebalanceTimeoutMs);

    /// <summary>True when <paramref name="instanceId"/> is held by a member other than <paramref name="memberId"/>.</summary>
    public bool IsStaticMemberFenced(string? instanceId, string memberId)
        => instanceId is not null && _static.TryGetValue(instanceId, out var current) && current != memberId;

    public string? StaticMemberId(string instanceId) => _static.GetValueOrDefault(instanceId);

    public void Add(GroupMember member)
    {
        if (_members.Count == 0)
        {
            ProtocolType = member.ProtocolType;
        }

        _members[member.MemberId] = member;
        LeaderId ??= member.MemberId;
        if (member.GroupInstanceId is not null)
        {
            _static[member.GroupInstanceId] = member.MemberId;
        }
    }

    public void Remove(string memberId)
    {
        if (!_members.Remove(memberId, out var member))
        {
            return;
        }

        member.DisposeTimer();
        if (member.GroupInstanceId is not null && _static.GetValueOrDefault(member.GroupInstanceId) == memberId)
        {
            _static.Remove(member.GroupInstanceId);
        }

        if (LeaderId == memberId)
        {
            LeaderId = _members.Count > 0 ? _members.GetAt(0).Key : null;
        }
    }

    /// <summary>Re-keys a static member under the id its new incarnation got.</summary>
    public void ReplaceMemberId(GroupMember member, string newMemberId)
    {
        var index = _members.IndexOf(member.MemberId);
        _members.RemoveAt(index);
        var oldMemberId = member.MemberId;
        member.MemberId = newMemberId;
        _members.Insert(index, newMemberId, member);
        _static[member.GroupInstanceId!] = newMemberId;
        if (LeaderId == oldMemberId)
        {
            LeaderId = newMemberId;
        }
    }

    /// <summary>Forgets the member ids handed out and not used yet.</summary>
    public void ClearPending()
    {
        foreach (var timer in Pending.Values)
        {
            timer.Dispose();
        }

        Pending.Clear();
    }

    /// <summary>
    /// Chooses a leader among the members that rejoined when the old one (a static member) has not.
    /// False when no member rejoined.
    /// </summary>
    public bool MaybeElectNewJoinedLeader()
    {
        if (LeaderId is not null && _members.TryGetValue(LeaderId, out var leader) && leader.IsAwaitingJoin)
        {
            return true;
        }

        var joined = _members.Values.FirstOrDefault(m => m.IsAwaitingJoin);
        if (joined is null)
        {
            return false;
        }

        LeaderId = joined.MemberId;
        return true;
    }

    /// <summary>
    /// Whether a new member may join: the group's protocol type must match and at least one of its
    /// protocols must be supported by every current member. An empty group accepts any non-empty offer.
    /// </summary>
    public bool SupportsProtocols(string protocolType, IReadOnlyList<GroupProtocol> protocols)
    {
        if (_members.Count == 0)
        {
            return protocolType.Length > 0 && protocols.Count > 0;
        }

        return ProtocolType == protocolType && protocols.Any(p => CandidateProtocols().Contains(p.Name));
    }

    private HashSet<string> CandidateProtocols()
    {
        HashSet<string>? candidates = null;
        foreach (var member in _members.Values)
        {
            var names = member.Protocols.Select(p => p.Name);
            if (candidates is null)
            {
                candidates = new HashSet<string>(names, StringComparer.Ordinal);
            }
            else
            {
                candidates.IntersectWith(names);
            }
        }

        return candidates ?? [];
    }

    /// <summary>Kafka's vote: among the protocols every member supports, each member votes for its most preferred; most votes wins.</summary>
    public string SelectProtocol()
    {
        var candidates = CandidateProtocols();
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in _members.Values)
        {
            var choice = member.Protocols.First(p => candidates.Contains(p.Name)).Name;
            votes[choice] = votes.GetValueOrDefault(choice) + 1;
        }

        var best = votes.Values.Max();
        // Ties go to the protocol the first member prefers, so the choice is deterministic.
        return _members.GetAt(0).Value.Protocols.First(p => votes.GetValueOrDefault(p.Name) == best).Name;
    }

    /// <summary>
    /// The topics the members subscribe to under <paramref name="protocolName"/>, when they speak Kafka's
    /// consumer protocol (its subscription format is public); null when unknown. Used by offset expiry
    /// and OffsetDelete only.
    /// </summary>
    public HashSet<string>? SubscribedTopics(string? protocolName)
    {
        if (ProtocolType != ConsumerProtocolType || protocolName is null || _members.Count == 0)
        {
            return null;
        }

        var topics = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var member in _members.Values)
            {
                var metadata = member.Protocols.FirstOrDefault(p => p.Name == protocolName)?.Metadata;
                if (metadata is null || metadata.Length < 2)
                {
                    return null;
                }

                var reader = new Protocol.KafkaReader(metadata);
                var version = reader.ReadInt16();
                var subscription = new ConsumerProtocolSubscription();
                subscription.Read(ref reader, Math.Min(version, ConsumerProtocolSubscription.HighestSupportedVersion));
                topics.UnionWith(subscription.Topics);
            }
        }
        catch (Exception e) when (e is Protocol.ProtocolException or InvalidDataException or ArgumentException)
        {
            return null;
        }

        return topics;
    }
}
