namespace Platform.Client.Groups;

/// <summary>
/// The plan shared by <c>sticky</c> and <c>cooperative-sticky</c>: members keep what they owned
/// (when a partition is claimed twice the claim from the newest generation wins), the partitions
/// nobody owns go to the least loaded member that reads their topic, then partitions move one at a
/// time from the fullest member to the emptiest that can read them while the two differ by more than
/// one. Each move strictly narrows the spread, so the plan ends balanced with few moves.
/// </summary>
internal static class StickyPlanner
{
    public sealed record Plan(Dictionary<string, List<TopicPartition>> Assigned, Dictionary<TopicPartition, string> PreviousOwners);

    public static Plan Create(
        IReadOnlyDictionary<string, int> partitionsPerTopic,
        IReadOnlyDictionary<string, MemberSubscription> subscriptions,
        Func<MemberSubscription, (IReadOnlyList<TopicPartition> Owned, int Generation)> previous)
    {
        var members = AssignorSupport.OrderedMembers(subscriptions);
        var topicsOf = members.ToDictionary(
            m => m, m => subscriptions[m].Topics.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        bool Exists(TopicPartition tp) => partitionsPerTopic.TryGetValue(tp.Topic, out var n) && tp.Partition >= 0 && tp.Partition < n;

        var owners = new Dictionary<TopicPartition, (string Member, int Generation)>();
        foreach (var member in members)
        {
            var (owned, generation) = previous(subscriptions[member]);
            foreach (var tp in owned)
            {
                if (Exists(tp) && topicsOf[member].Contains(tp.Topic)
                    && (!owners.TryGetValue(tp, out var claim) || generation > claim.Generation))
                {
                    owners[tp] = (member, generation);
                }
            }
        }

        var assigned = members.ToDictionary(m => m, _ => new List<TopicPartition>(), StringComparer.Ordinal);
        foreach (var (tp, owner) in owners.OrderBy(o => o.Key.Topic, StringComparer.Ordinal).ThenBy(o => o.Key.Partition))
        {
            assigned[owner.Member].Add(tp);
        }

        foreach (var tp in AssignorSupport.AllPartitions(partitionsPerTopic, subscriptions))
        {
            if (!owners.ContainsKey(tp))
            {
                var target = LeastLoaded(members, assigned, topicsOf, tp.Topic, exclude: null);
                assigned[target!].Add(tp);
            }
        }

        Balance(members, assigned, topicsOf);
        return new Plan(assigned, owners.ToDictionary(o => o.Key, o => o.Value.Member));
    }

    private static void Balance(List<string> members, Dictionary<string, List<TopicPartition>> assigned, Dictionary<string, HashSet<string>> topicsOf)
    {
        bool moved;
        do
        {
            moved = false;
            foreach (var from in members.OrderByDescending(m => assigned[m].Count))
            {
                var partitions = assigned[from];

                // The most recently added partitions move first, so long-held ones stay put.
                for (var i = partitions.Count - 1; i >= 0 && !moved; i--)
                {
                    var tp = partitions[i];
                    var to = LeastLoaded(members, assigned, topicsOf, tp.Topic, exclude: from);
                    if (to is not null && assigned[to].Count < partitions.Count - 1)
                    {
                        partitions.RemoveAt(i);
                        assigned[to].Add(tp);
                        moved = true;
                    }
                }

                if (moved)
                {
                    break;
                }
            }
        }
        while (moved);
    }

    private static string? LeastLoaded(
        List<string> members,
        Dictionary<string, List<TopicPartition>> assigned,
        Dictionary<string, HashSet<string>> topicsOf,
        string topic,
        string? exclude)
    {
        string? best = null;
        foreach (var member in members)
        {
            if (member != exclude && topicsOf[member].Contains(topic) && (best is null || assigned[member].Count < assigned[best].Count))
            {
                best = member;
            }
        }

        return best;
    }
}
