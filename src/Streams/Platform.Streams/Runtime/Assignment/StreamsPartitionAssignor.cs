using Platform.Client;
using Platform.Client.Groups;
using Platform.Streams.Processors;

namespace Platform.Streams.Runtime.Assignment;

/// <summary>
/// The consumer-group assignor of a Streams application (protocol name <c>stream</c>, as in Kafka): the
/// leader turns input partitions into tasks (partition <c>p</c> of every source topic of a sub-topology is
/// task <c>subtopology_p</c>, so co-partitioned partitions always stay together), places them with
/// <see cref="TaskAssignor"/> and tells each thread its active and standby tasks and where every partition
/// is hosted. Each stream thread has its own instance; it learns its assignment in <see cref="OnAssignment"/>.
/// </summary>
internal sealed class StreamsPartitionAssignor : IPartitionAssignor
{
    /// <summary>The protocol name.</summary>
    public const string AssignorName = "stream";

    private readonly IReadOnlyList<SubtopologySources> _subtopologies;
    private readonly Guid _processId;
    private readonly string? _endpoint;
    private readonly int _standbyReplicas;
    private readonly Func<(IReadOnlyDictionary<TaskId, long> OffsetSums, IReadOnlySet<TaskId> ThreadTasks)> _localState;

    /// <summary>An assignor for one stream thread.</summary>
    /// <param name="subtopologies">The topology's sub-topologies.</param>
    /// <param name="processId">The instance's process id.</param>
    /// <param name="endpoint">The instance's <c>application.server</c>, or null.</param>
    /// <param name="standbyReplicas"><c>num.standby.replicas</c>.</param>
    /// <param name="localState">The state this thread reports when it joins (task offset sums, tasks it ran).</param>
    public StreamsPartitionAssignor(
        IReadOnlyList<SubtopologySources> subtopologies,
        Guid processId,
        string? endpoint,
        int standbyReplicas,
        Func<(IReadOnlyDictionary<TaskId, long> OffsetSums, IReadOnlySet<TaskId> ThreadTasks)> localState)
    {
        _subtopologies = subtopologies;
        _processId = processId;
        _endpoint = endpoint;
        _standbyReplicas = standbyReplicas;
        _localState = localState;
    }

    /// <inheritdoc/>
    public string Name => AssignorName;

    /// <inheritdoc/>
    public RebalanceProtocol Protocol => RebalanceProtocol.Eager;

    /// <summary>Set to ask, at the next join, that every instance of the application shuts down.</summary>
    public bool ShutdownRequested { get; set; }

    /// <summary>What the last rebalance gave this thread; null before the first.</summary>
    public AssignmentInfo? LatestAssignment { get; private set; }

    /// <inheritdoc/>
    public byte[]? SubscriptionUserData(IReadOnlyCollection<TopicPartition> ownedPartitions, int generationId)
    {
        var (sums, own) = _localState();
        return new SubscriptionInfo(_processId, _endpoint, sums, own, ShutdownRequested).Encode();
    }

    /// <inheritdoc/>
    public void OnAssignment(MemberAssignment assignment, int generationId)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        LatestAssignment = assignment.UserData is { } data
            ? AssignmentInfo.Decode(data)
            : AssignmentInfo.Failed("The group leader is not a Streams instance: a plain consumer uses application.id as its group.id.");
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, MemberAssignment> Assign(
        IReadOnlyDictionary<string, int> partitionsPerTopic,
        IReadOnlyDictionary<string, MemberSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(partitionsPerTopic);
        ArgumentNullException.ThrowIfNull(subscriptions);
        var clients = new Dictionary<Guid, ClientState>();
        var foreign = new List<string>();
        foreach (var (member, subscription) in subscriptions)
        {
            SubscriptionInfo info;
            try
            {
                info = SubscriptionInfo.Decode(subscription.UserData ?? []);
            }
            catch (InvalidDataException)
            {
                foreign.Add(member);
                continue;
            }

            if (!clients.TryGetValue(info.ProcessId, out var client))
            {
                client = new ClientState(info.ProcessId, info.Endpoint);
                clients[info.ProcessId] = client;
            }

            client.AddMember(member, info);
        }

        if (clients.Values.Any(c => c.ShutdownRequested))
        {
            var shutdown = new MemberAssignment([], (AssignmentInfo.Failed("An instance of the application asked every instance to shut down (ShutdownApplication).") with { Shutdown = true }).Encode());
            return subscriptions.Keys.ToDictionary(m => m, _ => shutdown, StringComparer.Ordinal);
        }

        var subscribed = subscriptions.Values.SelectMany(s => s.Topics).ToHashSet(StringComparer.Ordinal);
        var missing = _subtopologies.SelectMany(s => s.SourceTopics).Where(t => !partitionsPerTopic.ContainsKey(t)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var failed = new MemberAssignment([], AssignmentInfo.Failed(
                $"Source topic(s) {string.Join(", ", missing)} of the topology do not exist; create them (auto-creation is not used for source topics).").Encode());
            return subscriptions.Keys.ToDictionary(m => m, _ => failed, StringComparer.Ordinal);
        }

        var tasks = Tasks(partitionsPerTopic, subscribed);
        TaskAssignor.Assign(tasks.ToDictionary(t => t.Key, t => t.Value.Stateful), [.. clients.Values], _standbyReplicas);

        var byHost = new Dictionary<string, IReadOnlySet<TopicPartition>>(StringComparer.Ordinal);
        var standbyByHost = new Dictionary<string, IReadOnlySet<TopicPartition>>(StringComparer.Ordinal);
        foreach (var client in clients.Values.Where(c => c.Endpoint is not null))
        {
            byHost[client.Endpoint!] = client.Active.SelectMany(t => tasks[t].Partitions).ToHashSet();
            standbyByHost[client.Endpoint!] = client.Standby.SelectMany(t => tasks[t].Partitions).ToHashSet();
        }

        var result = new Dictionary<string, MemberAssignment>(StringComparer.Ordinal);
        foreach (var client in clients.Values)
        {
            foreach (var (member, (active, standby)) in TaskAssignor.SplitOverThreads(client))
            {
                var activeTasks = active.ToDictionary(t => t, t => tasks[t].Partitions);
                var info = new AssignmentInfo(activeTasks, standby, byHost, standbyByHost);
                result[member] = new MemberAssignment([.. activeTasks.Values.SelectMany(p => p)], info.Encode());
            }
        }

        foreach (var member in foreign)
        {
            result[member] = new MemberAssignment([], AssignmentInfo.Failed("This member is not a Streams thread of the application.").Encode());
        }

        return result;
    }

    /// <summary>Every task: partition <c>p</c> of each source topic of a sub-topology (that has one) forms task <c>subtopology_p</c>.</summary>
    private Dictionary<TaskId, (IReadOnlyList<TopicPartition> Partitions, bool Stateful)> Tasks(
        IReadOnlyDictionary<string, int> partitionsPerTopic, HashSet<string> subscribed)
    {
        var tasks = new Dictionary<TaskId, (IReadOnlyList<TopicPartition>, bool)>();
        foreach (var subtopology in _subtopologies)
        {
            var topics = partitionsPerTopic.Keys
                .Where(t => subtopology.SourceTopics.Contains(t, StringComparer.Ordinal) || (subtopology.SourcePattern is not null && subscribed.Contains(t) && subtopology.SourcePattern.IsMatch(t)))
                .Order(StringComparer.Ordinal)
                .ToList();
            var count = topics.Count == 0 ? 0 : topics.Max(t => partitionsPerTopic[t]);
            for (var partition = 0; partition < count; partition++)
            {
                var p = partition;
                tasks[new TaskId(subtopology.Id, partition)] = (
                    topics.Where(t => partitionsPerTopic[t] > p).Select(t => new TopicPartition(t, p)).ToList(),
                    subtopology.Stateful);
            }
        }

        return tasks;
    }
}
