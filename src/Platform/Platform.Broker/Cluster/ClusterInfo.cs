using System.Globalization;
using Microsoft.Extensions.Options;

namespace Platform.Broker.Cluster;

/// <summary>
/// Who this broker is: node id, cluster id (kept in <c>meta.properties</c> in the data directory, as
/// Kafka does, so it survives restarts) and the address clients are told to use.
/// </summary>
public sealed class ClusterInfo
{
    private const string MetaFile = "meta.properties";

    private readonly string _metaPath;

    public ClusterInfo(IOptions<BrokerOptions> options)
    {
        var settings = options.Value;
        NodeId = settings.NodeId;
        Directory.CreateDirectory(settings.DataDir);
        var path = Path.Combine(settings.DataDir, MetaFile);
        _metaPath = path;
        if (File.Exists(path))
        {
            var properties = File.ReadAllLines(path)
                .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
                .Select(l => l.Split('=', 2))
                .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
            ClusterId = properties.GetValueOrDefault("cluster.id") ?? throw new InvalidDataException($"{path} has no cluster.id.");
            if (properties.TryGetValue("node.id", out var storedNode) && storedNode != NodeId.ToString(CultureInfo.InvariantCulture))
            {
                throw new OptionsValidationException("node.id", $"is {NodeId} but the data directory {settings.DataDir} belongs to node {storedNode}");
            }
        }
        else
        {
            // Kafka's cluster ids are 22-character URL-safe base64 UUIDs.
            ClusterId = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            File.WriteAllText(path, $"version=1\ncluster.id={ClusterId}\nnode.id={NodeId}\n");
        }

        if (settings.Advertise is not null)
        {
            (AdvertisedHost, AdvertisedPort) = BrokerOptions.ParseHostPort(settings.Advertise, "advertised.listeners");
        }
        else
        {
            (AdvertisedHost, AdvertisedPort) = BrokerOptions.ParseHostPort(settings.Listen, "listeners");
        }
    }

    public int NodeId { get; }

    public string ClusterId { get; private set; }

    public string AdvertisedHost { get; private set; }

    public int AdvertisedPort { get; private set; }

    /// <summary>
    /// A cluster's brokers share the id the first of them stored in etcd: it replaces this data directory's own
    /// (and is kept in meta.properties, so the directory stays tied to the cluster).
    /// </summary>
    internal void JoinCluster(string clusterId)
    {
        if (clusterId == ClusterId)
        {
            return;
        }

        ClusterId = clusterId;
        File.WriteAllText(_metaPath, $"version=1\ncluster.id={ClusterId}\nnode.id={NodeId}\n");
    }

    /// <summary>Called once the listener is bound, so a port of 0 is advertised as the real one.</summary>
    internal void SetBoundAddress(string host, int port)
    {
        if (AdvertisedPort == 0)
        {
            AdvertisedPort = port;
        }

        if (AdvertisedHost is "" or "0.0.0.0" or "::")
        {
            AdvertisedHost = host;
        }
    }
}
