using Etcdserverpb;

namespace Platform.Cluster;

/// <summary>The whole cluster state at one etcd revision: what a broker's metadata cache starts from.</summary>
public sealed record ClusterSnapshot(
    IReadOnlyDictionary<int, BrokerRegistration> Brokers,
    (int BrokerId, long Epoch)? Controller,
    IReadOnlyDictionary<string, TopicAssignment> Topics,
    IReadOnlyDictionary<(string Topic, int Partition), PartitionState> States,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BrokerConfigs,
    long Revision);

/// <summary>One change of the cluster state seen by <see cref="EtcdClusterStore.WatchClusterAsync"/>; a null value is a delete.</summary>
public abstract record ClusterChange
{
    public sealed record Broker(int Id, BrokerRegistration? Registration) : ClusterChange;

    public sealed record Controller(int? BrokerId, long Epoch) : ClusterChange;

    public sealed record Topic(string Name, TopicAssignment? Assignment) : ClusterChange;

    public sealed record Partition(string TopicName, int Index, PartitionState? State) : ClusterChange;

    /// <summary>The dynamic configs of a broker id or of <c>&lt;default&gt;</c>; null: none left.</summary>
    public sealed record BrokerConfigs(string Name, IReadOnlyDictionary<string, string>? Configs) : ClusterChange;
}

public sealed partial class EtcdClusterStore
{
    /// <summary>Every broker, the controller, every topic and partition state, read in one range at one revision.</summary>
    public async Task<ClusterSnapshot> LoadClusterAsync(CancellationToken cancellationToken = default)
    {
        var response = await RangeAsync(Keys.Root + "/", cancellationToken).ConfigureAwait(false);
        var brokers = new Dictionary<int, BrokerRegistration>();
        (int, long)? controller = null;
        var topics = new Dictionary<string, TopicAssignment>(StringComparer.Ordinal);
        var states = new Dictionary<(string, int), PartitionState>();
        var brokerConfigs = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var kv in response.Kvs)
        {
            switch (Classify(kv.Key.ToStringUtf8(), kv.Value.Memory, deleted: false, kv.CreateRevision))
            {
                case ClusterChange.Broker { Registration: { } registration } broker:
                    brokers[broker.Id] = registration;
                    break;
                case ClusterChange.Controller { BrokerId: { } id } c:
                    controller = (id, c.Epoch);
                    break;
                case ClusterChange.Topic { Assignment: { } assignment } topic:
                    topics[topic.Name] = assignment;
                    break;
                case ClusterChange.Partition { State: { } state } partition:
                    states[(partition.TopicName, partition.Index)] = state;
                    break;
                case ClusterChange.BrokerConfigs { Configs: { } configs } named:
                    brokerConfigs[named.Name] = configs;
                    break;
            }
        }

        return new ClusterSnapshot(brokers, controller, topics, states, brokerConfigs, response.Header.Revision);
    }

    /// <summary>
    /// Every change of the cluster state from <paramref name="startRevision"/> on, in revision order, one etcd
    /// revision's changes per call (a topic's creation or deletion arrives whole), until cancelled.
    /// </summary>
    /// <exception cref="WatchCompactedException">See <see cref="WatchAsync"/>: load the cluster again.</exception>
    public Task WatchClusterAsync(long startRevision, Func<IReadOnlyList<ClusterChange>, ValueTask> onChanges, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onChanges);
        return WatchAsync(
            Keys.Root + "/",
            startRevision,
            (events, _) => onChanges([.. events.Select(e => Classify(e.Key, e.Value, e.Deleted, e.ModRevision)).OfType<ClusterChange>()]),
            cancellationToken);
    }

    /// <summary>The cluster's id: the one stored in etcd, or <paramref name="candidate"/> if none was yet (the first broker's wins).</summary>
    public async Task<string> GetOrCreateClusterIdAsync(string candidate, CancellationToken cancellationToken = default)
    {
        var key = Keys.Root + "/cluster_id";
        var txn = new TxnRequest();
        txn.Compare.Add(Absent(key));
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes(key), Value = Bytes(candidate) } });
        txn.Failure.Add(Get(key));
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        return response.Succeeded ? candidate : response.Responses[0].ResponseRange.Kvs[0].Value.ToStringUtf8();
    }

    /// <summary>What a key under the root is; null for keys of no kind we know (left by a newer version, say).</summary>
    private ClusterChange? Classify(string key, ReadOnlyMemory<byte> value, bool deleted, long revision)
    {
        if (key == Keys.Controller)
        {
            return new ClusterChange.Controller(deleted ? null : Parse(value.Span, ClusterJsonContext.Default.ControllerRecord).BrokerId, revision);
        }

        if (key.StartsWith(Keys.BrokersPrefix, StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(Keys.BrokersPrefix.Length), System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return new ClusterChange.Broker(id, deleted ? null : Parse(value.Span, ClusterJsonContext.Default.BrokerRegistration));
        }

        if (key.StartsWith(Keys.TopicsPrefix, StringComparison.Ordinal))
        {
            return new ClusterChange.Topic(key[Keys.TopicsPrefix.Length..], deleted ? null : Parse(value.Span, ClusterJsonContext.Default.TopicAssignment));
        }

        if (key.StartsWith(Keys.BrokerConfigsPrefix, StringComparison.Ordinal))
        {
            return new ClusterChange.BrokerConfigs(key[Keys.BrokerConfigsPrefix.Length..], deleted ? null : Parse(value.Span, ClusterJsonContext.Default.DictionaryStringString));
        }

        if (key.StartsWith(Keys.PartitionsPrefix, StringComparison.Ordinal))
        {
            var (topic, partition) = Keys.ParsePartition(key);
            return new ClusterChange.Partition(topic, partition, deleted ? null : Parse(value.Span, ClusterJsonContext.Default.PartitionState));
        }

        return null;
    }
}
