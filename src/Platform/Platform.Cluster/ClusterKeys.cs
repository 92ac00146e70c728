namespace Platform.Cluster;

/// <summary>
/// Where the cluster's state lives in etcd, all under one root so several clusters can share an etcd:
/// <c>{root}/brokers/ids/{id}</c> (leased), <c>{root}/controller</c> (leased; its create revision is the
/// controller epoch), <c>{root}/topics/{topic}</c> (assignment) and <c>{root}/partitions/{topic}/{p}</c> (state), <c>{root}/configs/brokers/{name}</c> (dynamic broker configs).
/// </summary>
internal sealed class ClusterKeys(string root)
{
    public string Root { get; } = root.TrimEnd('/');

    public string BrokersPrefix => $"{Root}/brokers/ids/";

    public string Broker(int id) => $"{BrokersPrefix}{id}";

    public string Controller => $"{Root}/controller";

    public string TopicsPrefix => $"{Root}/topics/";

    public string Topic(string topic) => $"{TopicsPrefix}{topic}";

    public string PartitionsPrefix => $"{Root}/partitions/";

    /// <summary>Dynamic broker configs by resource name: a broker id, or <c>&lt;default&gt;</c> for the cluster default.</summary>
    public string BrokerConfigsPrefix => $"{Root}/configs/brokers/";

    public string BrokerConfigs(string name) => $"{BrokerConfigsPrefix}{name}";

    public string Partitions(string topic) => $"{PartitionsPrefix}{topic}/";

    public string Partition(string topic, int partition) => $"{Partitions(topic)}{partition}";

    /// <summary>The topic and partition of a key under <see cref="PartitionsPrefix"/>.</summary>
    public (string Topic, int Partition) ParsePartition(string key)
    {
        var rest = key.AsSpan(PartitionsPrefix.Length);
        var slash = rest.LastIndexOf('/');
        return (rest[..slash].ToString(), int.Parse(rest[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The end of etcd's range for every key starting with <paramref name="prefix"/> (the prefix with its last byte plus one).</summary>
    public static string RangeEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
