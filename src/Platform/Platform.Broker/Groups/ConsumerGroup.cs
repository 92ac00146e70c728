using Platform.Protocol.Messages;

namespace Platform.Broker.Groups;

/// <summary>
/// One classic group: state, generation, members, static members and committed offsets. Every read
/// and change happens under <see cref="Gate"/>; the coordinator holds it across a whole request, so
/// the state machine never sees a half-applied change.
/// </summary>
internal sealed class ConsumerGroup
{
    /// <summary>The protocol type of Kafka consumers, whose subscriptions the coordinator may read.</summary>
    public const string ConsumerProtocolType = "consumer";

    public ConsumerGroup(string groupId, int partition, long nowMs)
    {
        GroupId = groupId;
        Partition = partition;
        StateTimestampMs = nowMs;
    }

    public Lock Gate { get; } = new();

    public string GroupId { get; }

    /// <summary>The <c>__consumer_offsets</c> partition holding this group's records.</summary>
    public int Partition { get; }

    public GroupState State { get; private set; } = GroupState.Empty;

    /// <summary>When the group entered its current state (Kafka's currentStateTimestamp).</summary>
    public long StateTimestampMs { get; set; }

    public int GenerationId { get; set; }

    /// <summary>Null for a group that only stores offsets (a "simple" consumer's group).</summary>
    public string? ProtocolType { get; set; }

    public string? ProtocolName { get; set; }

    public string? LeaderId { get; set; }

    /// <summary>Members in join order: the first one becomes leader when the leader leaves.</summary>
    public OrderedDictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>group.instance.id to the member id currently holding it.</summary>
    public Dictionary<string, string> StaticMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED, waiting for their second JoinGroup; each with its expiry timer.</summary>
    public Dictionary<string, ITimer> PendingMembers { get; } = new(StringComparer.Ordinal);

    public Dictionary<TopicPartition, CommittedOffset> Offsets { get; } = [];

    /// <summary>Offsets committed in open transactions, by producer id: they join <see cref="Offsets"/> on the COMMIT marker.</summary>
    public Dictionary<long, Dictionary<TopicPartition, CommittedOffset>> PendingTxnOffsets { get; } = [];

    /// <summary>The timer that completes the current join phase (rebalance timeout, or the initial delay).</summary>
    public ITimer? JoinTimer { get; set; }

    /// <summary>Bumped whenever <see cref="JoinTimer"/> is replaced, so a stale callback does nothing.</summary>
    public int JoinTimerEpoch { get; set; }

    /// <summary>The join phase is in its initial delay, which only its timer ends (more members may come).</summary>
    public bool InInitialDelay { get; set; }

    /// <summary>Initial delayed join: a member joined during the delay, so it may be extended.</summary>
    public bool NewMemberAdded { get; set; }

    /// <summary>Initial delayed join: how much of the rebalance timeout the delay may still use.</summary>
    public int InitialDelayRemainingMs { get; set; }

    public bool Is(GroupState state) => State == state;

    public void TransitionTo(GroupState state, long nowMs)
    {
        State = state;
        StateTimestampMs = nowMs;
    }

    public bool Has(string memberId) => Members.ContainsKey(memberId);

    public GroupMember Get(string memberId) => Members[memberId];

    public bool IsLeader(string memberId) => LeaderId == memberId;

    public int NumAwaitingJoin => Members.Values.Count(m => m.IsAwaitingJoin);

    public bool HasAllMembersJoined => Members.Count == NumAwaitingJoin && PendingMembers.Count == 0;

    /// <summary>The longest rebalance timeout of the members: how long a join phase may last.</summary>
    public int RebalanceTimeoutMs => Members.Count == 0 ? 0 : Members.Values.Max(m => m.RebalanceTimeoutMs);

    public bool CanRebalance => State is GroupState.Stable or GroupState.CompletingRebalance or GroupState.Empty;

    /// <summary>True when <paramref name="instanceId"/> is held by a member other than <paramref name="memberId"/>.</summary>
    public bool IsStaticMemberFenced(string? instanceId, string memberId)
        => instanceId is not null && StaticMembers.TryGetValue(instanceId, out var current) && current != memberId;

    public string? StaticMemberId(string instanceId) => StaticMembers.GetValueOrDefault(instanceId);

    public void Add(GroupMember member)
    {
        if (Members.Count == 0)
        {
            ProtocolType = member.ProtocolType;
        }

        Members[member.MemberId] = member;
        LeaderId ??= member.MemberId;
        if (member.GroupInstanceId is not null)
        {
            StaticMembers[member.GroupInstanceId] = member.MemberId;
        }
    }

    public void Remove(string memberId)
    {
        if (!Members.Remove(memberId, out var member))
        {
            return;
        }

        member.DisposeTimer();
        if (member.GroupInstanceId is not null && StaticMembers.GetValueOrDefault(member.GroupInstanceId) == memberId)
        {
            StaticMembers.Remove(member.GroupInstanceId);
        }

        if (LeaderId == memberId)
        {
            LeaderId = Members.Count > 0 ? Members.GetAt(0).Key : null;
        }
    }

    /// <summary>Re-keys a static member under the id its new incarnation got.</summary>
    public void ReplaceMemberId(GroupMember member, string newMemberId)
    {
        var index = Members.IndexOf(member.MemberId);
        Members.RemoveAt(index);
        var oldMemberId = member.MemberId;
        member.MemberId = newMemberId;
        Members.Insert(index, newMemberId, member);
        StaticMembers[member.GroupInstanceId!] = newMemberId;
        if (LeaderId == oldMemberId)
        {
            LeaderId = newMemberId;
        }
    }

    /// <summary>
    /// Chooses a leader among the members that rejoined when the old one (a static member) has not.
    /// False when no member rejoined.
    /// </summary>
    public bool MaybeElectNewJoinedLeader()
    {
        if (LeaderId is not null && Members.TryGetValue(LeaderId, out var leader) && leader.IsAwaitingJoin)
        {
            return true;
        }

        var joined = Members.Values.FirstOrDefault(m => m.IsAwaitingJoin);
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
        if (Members.Count == 0)
        {
            return protocolType.Length > 0 && protocols.Count > 0;
        }

        return ProtocolType == protocolType && protocols.Any(p => CandidateProtocols().Contains(p.Name));
    }

    private HashSet<string> CandidateProtocols()
    {
        HashSet<string>? candidates = null;
        foreach (var member in Members.Values)
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
        foreach (var member in Members.Values)
        {
            var choice = member.Protocols.First(p => candidates.Contains(p.Name)).Name;
            votes[choice] = votes.GetValueOrDefault(choice) + 1;
        }

        var best = votes.Values.Max();
        // Ties go to the protocol the first member prefers, so the choice is deterministic.
        return Members.GetAt(0).Value.Protocols.First(p => votes.GetValueOrDefault(p.Name) == best).Name;
    }

    /// <summary>
    /// The topics the members subscribe to, when they speak Kafka's consumer protocol (its
    /// subscription format is public); null when unknown. Used by offset expiry and OffsetDelete only.
    /// </summary>
    public HashSet<string>? SubscribedTopics()
    {
        if (ProtocolType != ConsumerProtocolType || ProtocolName is null || Members.Count == 0)
        {
            return null;
        }

        var topics = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var member in Members.Values)
            {
                var metadata = member.Protocols.FirstOrDefault(p => p.Name == ProtocolName)?.Metadata;
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
