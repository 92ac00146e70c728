using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Storage;

namespace Platform.Broker.Replication;

/// <summary>
/// Kafka's replication throttle: the dynamic broker configs <c>leader.replication.throttled.rate</c> and
/// <c>follower.replication.throttled.rate</c> (bytes/s, set per broker id or for <c>&lt;default&gt;</c>), applied to
/// the replicas a topic lists in <c>leader.replication.throttled.replicas</c> / <c>follower.replication.throttled.replicas</c>
/// (<c>partition:brokerId</c> entries, or <c>*</c> for all). In a cluster the rates live in etcd (written by the
/// controller, seen by every broker through its metadata); on a single broker in <c>broker-configs.json</c> next to
/// <c>topics.json</c>.
/// </summary>
public sealed class ReplicationThrottle
{
    public const string LeaderRateConfig = "leader.replication.throttled.rate";
    public const string FollowerRateConfig = "follower.replication.throttled.rate";

    /// <summary>The resource name of the cluster-wide default (an empty name means it too).</summary>
    public const string DefaultResource = "<default>";

    private const string FileName = "broker-configs.json";

    private readonly ClusterMetadata _metadata;
    private readonly IStorageFileSystem _fileSystem;
    private readonly string _path;
    private readonly Lock _lock = new();
    private Dictionary<string, Dictionary<string, string>> _local;

    public ReplicationThrottle(ClusterMetadata metadata, ClusterInfo cluster, LogManager logs, IOptions<BrokerOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(options);
        _metadata = metadata;
        _fileSystem = logs.FileSystem;
        NodeId = cluster.NodeId;
        _path = Path.Combine(options.Value.DataDir, FileName);
        _local = !metadata.Enabled && File.Exists(_path)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(_path), ThrottleJsonContext.Default.DictionaryStringDictionaryStringString) ?? []
            : [];
        Leader = new ReplicationQuota(() => Rate(LeaderRateConfig), time);
        Follower = new ReplicationQuota(() => Rate(FollowerRateConfig), time);
    }

    public int NodeId { get; }

    /// <summary>Bytes this broker sends, as leader, to throttled replicas that are not in sync.</summary>
    public ReplicationQuota Leader { get; }

    /// <summary>Bytes this broker fetches, as follower, for throttled replicas.</summary>
    public ReplicationQuota Follower { get; }

    public static bool IsRateConfig(string name) => name is LeaderRateConfig or FollowerRateConfig;

    /// <summary>The stored name of a BROKER resource (a broker id or <see cref="DefaultResource"/>), or null if it is neither.</summary>
    public static string? ResourceName(string name)
        => name.Length == 0 || name == DefaultResource ? DefaultResource
            : int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id.ToString(CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// Why <paramref name="configs"/> cannot be a broker's dynamic configs, naming the key: INVALID_REQUEST for a static
    /// setting (as before there were dynamic ones), INVALID_CONFIG for a bad rate; null if they can.
    /// </summary>
    public static TopicResult? Validate(IReadOnlyDictionary<string, string> configs)
    {
        ArgumentNullException.ThrowIfNull(configs);
        foreach (var (name, value) in configs)
        {
            if (!IsRateConfig(name))
            {
                return new(Protocol.ErrorCode.InvalidRequest,
                    $"Broker config {name} is static: set it in the broker's configuration and restart (only {LeaderRateConfig} and {FollowerRateConfig} change at run time).");
            }

            if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rate) || rate < 0)
            {
                return new(Protocol.ErrorCode.InvalidConfig, $"Invalid value {value} for configuration {name}: Value must be a number of bytes per second, at least 0");
            }
        }

        return null;
    }

    /// <summary>The dynamic configs stored for <paramref name="name"/> (a resource name as <see cref="ResourceName"/> gives it).</summary>
    public IReadOnlyDictionary<string, string> Configs(string name)
    {
        if (_metadata.Enabled)
        {
            return _metadata.View.BrokerConfigs.GetValueOrDefault(name) ?? new Dictionary<string, string>();
        }

        lock (_lock)
        {
            return _local.GetValueOrDefault(name) ?? [];
        }
    }

    /// <summary>On a single broker: changes the configs of <paramref name="name"/> and writes them to disk (<see cref="AtomicFile"/>).</summary>
    public void SetLocal(string name, Dictionary<string, string> configs)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, Dictionary<string, string>>(_local, StringComparer.Ordinal);
            if (configs.Count == 0)
            {
                next.Remove(name);
            }
            else
            {
                next[name] = configs;
            }

            AtomicFile.Write(_fileSystem, _path, JsonSerializer.SerializeToUtf8Bytes(next, ThrottleJsonContext.Default.DictionaryStringDictionaryStringString));
            _local = next;
        }
    }

    /// <summary>The rate in force on this broker for <paramref name="config"/>: its own value, else the default's; null: unlimited.</summary>
    public long? Rate(string config)
    {
        var own = Configs(NodeId.ToString(CultureInfo.InvariantCulture));
        var text = own.GetValueOrDefault(config) ?? Configs(DefaultResource).GetValueOrDefault(config);
        return text is not null && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rate) ? rate : null;
    }

    /// <summary>Whether a topic's throttled-replicas list (<paramref name="replicasConfig"/>) names replica <paramref name="broker"/> of <paramref name="partition"/>.</summary>
    public static bool Lists(LogConfig config, string replicasConfig, int partition, int broker)
    {
        ArgumentNullException.ThrowIfNull(config);
        var list = config.Values[replicasConfig];
        if (list.Length == 0)
        {
            return false;
        }

        var entry = string.Create(CultureInfo.InvariantCulture, $"{partition}:{broker}");
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (item == "*" || item == entry)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A bytes-per-second allowance that never blocks: callers record the bytes they moved and ask whether the
/// allowance is spent, leaving throttled partitions out of their next request or response while it is (Kafka's
/// replication quota). Credit builds at the rate up to one second's worth, so an idle spell gives no long burst.
/// </summary>
public sealed class ReplicationQuota(Func<long?> rate, TimeProvider time)
{
    private readonly Lock _lock = new();
    private double _credit;
    private long _last = time.GetTimestamp();

    /// <summary>The rate now (it can change at any time), or null when unlimited.</summary>
    public long? Rate => rate();

    public bool IsExceeded
    {
        get
        {
            lock (_lock)
            {
                return Refill(rate()) is not null && _credit < 0;
            }
        }
    }

    public void Record(long bytes)
    {
        lock (_lock)
        {
            if (Refill(rate()) is not null)
            {
                _credit -= bytes;
            }
        }
    }

    private long? Refill(long? current)
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        _credit = current is { } r ? Math.Min(r, _credit + (r * elapsed)) : 0;
        return current;
    }
}

[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class ThrottleJsonContext : JsonSerializerContext;
