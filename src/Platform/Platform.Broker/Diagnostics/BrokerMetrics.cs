using System.Diagnostics.Metrics;
using Platform.Broker.Cluster;

namespace Platform.Broker.Diagnostics;

/// <summary>
/// The broker's replication health on the <c>Platform.Broker</c> meter (System.Diagnostics.Metrics, tagged with
/// <c>node.id</c>), as Kafka's ReplicaManager and controller metrics: partitions hosted and led, led partitions
/// whose ISR is short of their replicas or of <c>min.insync.replicas</c>, the controller's count of partitions
/// without a live leader, and ISR shrinks and expands. The gauges are read from the partitions' roles when a
/// listener (dotnet-counters, OpenTelemetry) collects, so nothing is kept up to date on the hot path.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    /// <summary>The meter's name, for listeners and exporters.</summary>
    public const string MeterName = "Platform.Broker";

    private readonly Meter _meter;
    private readonly TopicManager _topics;
    private readonly ClusterMetadata _cluster;
    private readonly int _nodeId;
    private readonly Counter<long> _isrShrinks;
    private readonly Counter<long> _isrExpands;

    public BrokerMetrics(TopicManager topics, ClusterMetadata cluster, ClusterInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        _topics = topics;
        _cluster = cluster;
        _nodeId = info.NodeId;
        _meter = new Meter(new MeterOptions(MeterName) { Tags = [new("node.id", info.NodeId)] });
        _meter.CreateObservableGauge("broker.partitions", () => Count(_ => true), "{partition}", "Partitions with a replica on this broker.");
        _meter.CreateObservableGauge("broker.partitions.leader", () => Count(IsLeader), "{partition}", "Partitions this broker leads.");
        _meter.CreateObservableGauge(
            "broker.partitions.under_replicated", () => Count(p => IsLeader(p) && p.Role.Isr.Count < p.Role.Replicas.Count), "{partition}",
            "Partitions this broker leads whose ISR is smaller than their replica set: a follower is down or lagging.");
        _meter.CreateObservableGauge(
            "broker.partitions.under_min_isr", () => Count(p => IsLeader(p) && p.Role.Isr.Count < p.Log.Config.MinInSyncReplicas), "{partition}",
            "Partitions this broker leads whose ISR is smaller than min.insync.replicas: acks=all writes to them are refused.");
        _meter.CreateObservableGauge("broker.controller.active", () => IsController ? 1 : 0, "{controller}", "1 on the active controller, else 0.");
        _meter.CreateObservableGauge(
            "broker.controller.partitions.offline", OfflinePartitions, "{partition}",
            "On the active controller: partitions of the cluster without a live leader, or whose leader's log of it went offline (0 on other brokers).");
        _isrShrinks = _meter.CreateCounter<long>("broker.isr.shrinks", "{change}", "ISR changes recorded by this broker as leader that removed replicas.");
        _isrExpands = _meter.CreateCounter<long>("broker.isr.expands", "{change}", "ISR changes recorded by this broker as leader that added replicas.");
    }

    /// <summary>The meter, so a listener can tell this broker's instruments from another's in the same process.</summary>
    public Meter Meter => _meter;

    private bool IsController => !_cluster.Enabled || _cluster.View.ControllerId == _nodeId;

    /// <summary>Counts a recorded ISR change from <paramref name="from"/> to <paramref name="to"/> members.</summary>
    public void IsrChanged(int from, int to)
    {
        if (to < from)
        {
            _isrShrinks.Add(1);
        }
        else if (to > from)
        {
            _isrExpands.Add(1);
        }
    }

    private bool IsLeader(Partition partition) => !partition.IsOffline && partition.Role.IsLeader(_nodeId);

    private int Count(Func<Partition, bool> predicate) => _topics.Topics.Sum(t => t.Partitions.Count(predicate));

    private int OfflinePartitions()
    {
        if (!_cluster.Enabled)
        {
            // A single broker is its own controller; a partition is offline when its log is.
            return Count(p => p.IsOffline);
        }

        var view = _cluster.View;
        if (view.ControllerId != _nodeId)
        {
            return 0;
        }

        // A leader whose log of the partition went offline serves nothing: offline too, until the controller moves it.
        return view.Topics.Sum(t => Enumerable.Range(0, t.Value.Replicas.Length).Count(p => view.Leader(t.Key, p) is not { } leader || leader.HasOffline(t.Key, p)));
    }

    public void Dispose() => _meter.Dispose();
}
