using System.Collections.Immutable;
using Platform.Cluster;

namespace Platform.Broker.Cluster;

/// <summary>
/// This broker's copy of the cluster's metadata in etcd (live brokers, the controller, every topic's assignment
/// and partition states), fed by the cluster service's watch; the requests that describe the cluster
/// (Metadata, DescribeCluster, FindCoordinator) and route by leadership read it. Each change publishes a new
/// immutable <see cref="ClusterView"/>, so a request reads one consistent view without locks. On a single broker
/// it stays disabled and empty.
/// </summary>
public sealed class ClusterMetadata
{
    private volatile ClusterView _view = ClusterView.Empty;

    /// <summary>True in a cluster (etcd.endpoints set).</summary>
    public bool Enabled { get; init; }

    public ClusterView View => _view;

    /// <summary>Pulsed after every change of the view.</summary>
    public BroadcastSignal Changed { get; } = new();

    internal void Publish(ClusterView view)
    {
        _view = view;
        Changed.Pulse();
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) until <paramref name="condition"/> holds for the view; returns whether it does.</summary>
    public async Task<bool> WaitForAsync(Func<ClusterView, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var next = Changed.NextPulse;
            if (condition(_view))
            {
                return true;
            }

            try
            {
                await next.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return condition(_view);
            }
        }
    }
}

/// <summary>One consistent view of the cluster's metadata.</summary>
public sealed record ClusterView(
    ImmutableSortedDictionary<int, BrokerRegistration> Brokers,
    int ControllerId,
    ImmutableSortedDictionary<string, TopicAssignment> Topics,
    ImmutableDictionary<(string Topic, int Partition), PartitionState> States)
{
    public static readonly ClusterView Empty = new(
        ImmutableSortedDictionary<int, BrokerRegistration>.Empty, -1,
        ImmutableSortedDictionary.Create<string, TopicAssignment>(StringComparer.Ordinal),
        ImmutableDictionary<(string, int), PartitionState>.Empty);

    /// <summary>Dynamic broker configs by resource name (a broker id or <c>&lt;default&gt;</c>).</summary>
    public ImmutableDictionary<string, IReadOnlyDictionary<string, string>> BrokerConfigs { get; init; } =
        ImmutableDictionary.Create<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);

    public PartitionState? State(string topic, int partition) => States.GetValueOrDefault((topic, partition));

    /// <summary>The replicas of a partition in preference order, or null if the topic or partition is unknown.</summary>
    public int[]? Replicas(string topic, int partition)
        => Topics.TryGetValue(topic, out var assignment) && (uint)partition < (uint)assignment.Replicas.Length ? assignment.Replicas[partition] : null;

    /// <summary>The live broker leading a partition, or null (no leader, or its broker is not registered).</summary>
    public BrokerRegistration? Leader(string topic, int partition)
        => State(topic, partition) is { } state && Brokers.TryGetValue(state.Leader, out var broker) ? broker : null;
}
