namespace Platform.Client.Groups;

/// <summary>The group settings of a consumer, from its configuration.</summary>
internal sealed record GroupSettings
{
    public required string GroupId { get; init; }

    /// <summary><c>group.instance.id</c>: static membership; null for a dynamic member.</summary>
    public string? GroupInstanceId { get; init; }

    /// <summary><c>session.timeout.ms</c>: the coordinator removes a member that has not heartbeated for this long.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMilliseconds(45000);

    /// <summary><c>heartbeat.interval.ms</c>.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(3000);

    /// <summary><c>max.poll.interval.ms</c>: the most time between polls before the member leaves; also the rebalance timeout.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMilliseconds(300000);

    /// <summary><c>retry.backoff.ms</c>.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary><c>metadata.max.age.ms</c>: how often the subscription's topics are checked for new topics or partitions.</summary>
    public TimeSpan MetadataMaxAge { get; init; } = TimeSpan.FromMilliseconds(300000);

    /// <summary><c>internal.leave.group.on.close</c> (Kafka's name): whether closing sends LeaveGroup.</summary>
    public bool LeaveGroupOnClose { get; init; } = true;

    /// <summary>The assignors in preference order (<c>partition.assignment.strategy</c>).</summary>
    public IReadOnlyList<IPartitionAssignor> Assignors { get; init; } = [new RangeAssignor()];
}
