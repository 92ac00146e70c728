using Platform.Streams.Processors;

namespace Platform.Streams.Runtime.Assignment;

/// <summary>
/// Places tasks on instances and then on their threads. Balanced by thread count, and sticky: a task stays
/// on the instance that ran it (stateful tasks first, so their stores need no restore) as long as that
/// instance is not above its share; a stateful task whose owner left goes to the instance holding the most
/// of its state (a standby), then to the least loaded one. Each stateful task gets up to
/// <c>num.standby.replicas</c> standbys, never on the instance running it, preferably where its state already is.
/// </summary>
internal static class TaskAssignor
{
    /// <summary>Fills <see cref="ClientState.Active"/> and <see cref="ClientState.Standby"/> of <paramref name="clients"/>.</summary>
    /// <param name="tasks">Every task, with whether it has changelogged stores.</param>
    /// <param name="clients">The instances, each with at least one thread.</param>
    /// <param name="standbyReplicas"><c>num.standby.replicas</c>.</param>
    public static void Assign(IReadOnlyDictionary<TaskId, bool> tasks, IReadOnlyList<ClientState> clients, int standbyReplicas)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(clients);
        if (clients.Count == 0)
        {
            return;
        }

        var ordered = clients.OrderBy(c => c.ProcessId).ToList();
        var totalCapacity = ordered.Sum(c => c.Capacity);
        var quota = ordered.ToDictionary(c => c, c => (int)Math.Ceiling((double)tasks.Count * c.Capacity / Math.Max(1, totalCapacity)));
        var unassigned = new List<TaskId>();

        // Sticky pass: stateful tasks first, each back to the instance that ran it while it has room.
        foreach (var task in tasks.OrderByDescending(t => t.Value).ThenBy(t => t.Key).Select(t => t.Key))
        {
            var previous = ordered.FirstOrDefault(c => c.WasActive(task));
            if (previous is not null && previous.Active.Count < quota[previous])
            {
                previous.Active.Add(task);
            }
            else
            {
                unassigned.Add(task);
            }
        }

        foreach (var task in unassigned)
        {
            var target = tasks[task]
                ? ordered.Where(c => c.Active.Count < quota[c] && c.HasState(task) && !c.WasActive(task))
                    .OrderByDescending(c => c.OffsetSums[task])
                    .FirstOrDefault()
                : null;
            target ??= ordered.OrderBy(c => c.Load).ThenBy(c => c.Active.Count).First();
            target.Active.Add(task);
        }

        if (standbyReplicas <= 0 || ordered.Count < 2)
        {
            return;
        }

        foreach (var task in tasks.Where(t => t.Value).Select(t => t.Key).Order())
        {
            for (var replica = 0; replica < standbyReplicas; replica++)
            {
                var target = ordered
                    .Where(c => !c.Active.Contains(task) && !c.Standby.Contains(task))
                    .OrderByDescending(c => c.HasState(task))
                    .ThenBy(c => c.Standby.Count)
                    .FirstOrDefault();
                if (target is null)
                {
                    // Fewer instances than replicas + 1: the rest of the replicas have nowhere to go.
                    break;
                }

                target.Standby.Add(task);
            }
        }
    }

    /// <summary>
    /// Splits an instance's tasks over its threads: active tasks back to the thread that ran them while it
    /// has room, the rest to the least loaded thread; standbys where the thread load is lowest.
    /// </summary>
    public static Dictionary<string, (SortedSet<TaskId> Active, SortedSet<TaskId> Standby)> SplitOverThreads(ClientState client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var result = client.Members.Keys.ToDictionary(m => m, _ => (Active: new SortedSet<TaskId>(), Standby: new SortedSet<TaskId>()), StringComparer.Ordinal);
        if (result.Count == 0)
        {
            return result;
        }

        var quota = (int)Math.Ceiling((double)client.Active.Count / result.Count);
        var rest = new List<TaskId>();
        foreach (var task in client.Active)
        {
            var previous = client.Members.FirstOrDefault(m => m.Value.Contains(task)).Key;
            if (previous is not null && result[previous].Active.Count < quota)
            {
                result[previous].Active.Add(task);
            }
            else
            {
                rest.Add(task);
            }
        }

        foreach (var task in rest)
        {
            result.OrderBy(r => r.Value.Active.Count).ThenBy(r => r.Key, StringComparer.Ordinal).First().Value.Active.Add(task);
        }

        foreach (var task in client.Standby)
        {
            result.OrderBy(r => r.Value.Active.Count + r.Value.Standby.Count).ThenBy(r => r.Key, StringComparer.Ordinal).First().Value.Standby.Add(task);
        }

        return result;
    }
}
