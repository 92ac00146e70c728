namespace Platform.Connect.Cluster;

/// <summary>
/// The members of one generation of the workers' group, in the order every worker uses, and which of them this
/// worker is. Connectors and tasks are spread deterministically over it (<see cref="OwnerOf"/>), so every worker
/// computes the same placement from the same configs without a leader writing one.
/// </summary>
/// <param name="Generation">The group generation.</param>
/// <param name="Members">The members, sorted by worker id then instance.</param>
/// <param name="Self">This worker's index in <see cref="Members"/>, or -1 before the first assignment.</param>
public sealed record ClusterAssignment(int Generation, IReadOnlyList<WorkerInfo> Members, int Self)
{
    /// <summary>No assignment yet: this worker runs nothing.</summary>
    public static ClusterAssignment None { get; } = new(-1, [], -1);

    /// <summary>
    /// The member running a connector (<paramref name="task"/> null) or one of its tasks. A connector's place is a
    /// stable hash of its name; task i sits i + 1 places further, so a connector's tasks are spread round-robin and
    /// adding or removing a connector never moves another connector's tasks. Membership changes move what they must.
    /// </summary>
    public int OwnerOf(string connector, int? task)
    {
        if (Members.Count == 0)
        {
            return -1;
        }

        var start = (int)(Fnv1a(connector) % (uint)Members.Count);
        return (start + (task is { } t ? t + 1 : 0)) % Members.Count;
    }

    /// <summary>Whether this worker runs the connector or task.</summary>
    public bool IsMine(string connector, int? task) => Self >= 0 && OwnerOf(connector, task) == Self;

    /// <summary>The member running the connector or task, or null.</summary>
    public WorkerInfo? Owner(string connector, int? task) => OwnerOf(connector, task) is var i && i >= 0 ? Members[i] : null;

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
