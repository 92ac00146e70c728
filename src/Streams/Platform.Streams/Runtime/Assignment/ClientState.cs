using Platform.Streams.Processors;

namespace Platform.Streams.Runtime.Assignment;

/// <summary>One instance (process) of the application as the leader sees it during an assignment: its threads and the state it holds.</summary>
internal sealed class ClientState
{
    /// <summary>An instance with no threads yet.</summary>
    public ClientState(Guid processId, string? endpoint)
    {
        ProcessId = processId;
        Endpoint = endpoint;
    }

    /// <summary>The instance's process id.</summary>
    public Guid ProcessId { get; }

    /// <summary>Its <c>application.server</c>, or null.</summary>
    public string? Endpoint { get; }

    /// <summary>Its threads (group member ids), each with the tasks it ran before.</summary>
    public SortedDictionary<string, IReadOnlySet<TaskId>> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Per task it has state of: <see cref="SubscriptionInfo.RunningActive"/> or its summed changelog offsets.</summary>
    public Dictionary<TaskId, long> OffsetSums { get; } = [];

    /// <summary>Whether one of its threads asked the application to shut down.</summary>
    public bool ShutdownRequested { get; private set; }

    /// <summary>How many tasks it can run in parallel: its thread count.</summary>
    public int Capacity => Members.Count;

    /// <summary>The active tasks the assignor gives it.</summary>
    public SortedSet<TaskId> Active { get; } = [];

    /// <summary>The standby tasks the assignor gives it.</summary>
    public SortedSet<TaskId> Standby { get; } = [];

    /// <summary>Whether it ran <paramref name="task"/> as an active task before this rebalance.</summary>
    public bool WasActive(TaskId task) => OffsetSums.TryGetValue(task, out var sum) && sum == SubscriptionInfo.RunningActive;

    /// <summary>Whether it has some state of <paramref name="task"/> (active before, a standby, or a folder on disk).</summary>
    public bool HasState(TaskId task) => OffsetSums.ContainsKey(task);

    /// <summary>Adds one thread's subscription; the instance's offset sums are the best of its threads'.</summary>
    public void AddMember(string memberId, SubscriptionInfo info)
    {
        Members[memberId] = info.ThreadTasks;
        ShutdownRequested |= info.ShutdownRequested;
        foreach (var (task, sum) in info.TaskOffsetSums)
        {
            if (!OffsetSums.TryGetValue(task, out var known) || sum == SubscriptionInfo.RunningActive || (known != SubscriptionInfo.RunningActive && sum > known))
            {
                OffsetSums[task] = sum;
            }
        }
    }

    /// <summary>Active tasks per thread of capacity, to compare loads.</summary>
    public double Load => (double)Active.Count / Math.Max(1, Capacity);
}
