using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>
/// Who this broker is: node id, cluster id (kept in <c>meta.properties</c> in the data directory, as
/// Kafka does, so it survives restarts) and the address clients are told to use. The file is replaced
/// atomically: a full disk or a crash while writing it leaves the old one or none, never an empty one that
/// would stop every later start.
/// </summary>
public sealed class ClusterInfo
{
    private const string MetaFile = "meta.properties";

    private readonly string _metaPath;
    private readonly IStorageFileSystem _fileSystem;

    public ClusterInfo(IOptions<BrokerOptions> options, IStorageFileSystem? fileSystem = null)
    {
        _fileSystem = fileSystem ?? PhysicalFileSystem.Instance;
        var settings = options.Value;
        NodeId = settings.NodeId;
        Directory.CreateDirectory(settings.DataDir);
        var path = Path.Combine(settings.DataDir, MetaFile);
        _metaPath = path;
        // An empty file is what a full disk left before this file was written atomically: that start failed
        // before anything was served, so no client ever saw its cluster id and a new one is as good.
        if (File.Exists(path) && new FileInfo(path).Length > 0)
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
            WriteMetaFile();
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
        WriteMetaFile();
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

    private void WriteMetaFile()
        => AtomicFile.Write(_fileSystem, _metaPath, Encoding.UTF8.GetBytes($"version=1\ncluster.id={ClusterId}\nnode.id={NodeId}\n"));
}
