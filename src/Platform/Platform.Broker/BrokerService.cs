using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Network;
using Platform.Storage;

namespace Platform.Broker;

/// <summary>
/// Runs the broker on the generic host: validates options, recovers the logs, loads the consumer
/// groups, starts background maintenance (retention, compaction, checkpoints) and the listener; on
/// stop it closes the listener first, then stops the groups, then flushes and closes every log.
/// </summary>
public sealed partial class BrokerService(IServiceProvider services, IOptions<BrokerOptions> options, ILogger<BrokerService> logger) : IHostedService
{
    private SocketServer? _server;
    private LogManager? _logs;
    private GroupCoordinator? _groups;
    private Transactions.TransactionCoordinator? _transactions;

    /// <summary>The bound listener address, available once started.</summary>
    public System.Net.IPEndPoint? EndPoint => _server?.LocalEndPoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        options.Value.Validate();
        var cluster = services.GetRequiredService<ClusterInfo>();
        _logs = services.GetRequiredService<LogManager>();
        var topics = services.GetRequiredService<TopicManager>();
        _logs.Start();
        topics.OpenPartitions();
        CheckOpenFileLimit(_logs);
        _groups = services.GetRequiredService<GroupCoordinator>();
        _groups.Start();
        _transactions = services.GetRequiredService<Transactions.TransactionCoordinator>();
        _transactions.Start();
        _server = services.GetRequiredService<SocketServer>();
        // A cluster member binds now (its registration names the bound port) but serves only once ClusterService
        // has loaded the cluster's state: until then it would tell clients that no topic exists.
        _server.Start(accept: !options.Value.IsClustered);
        var bound = _server.LocalEndPoint!;
        cluster.SetBoundAddress(bound.Address.ToString(), bound.Port);
        LogStarted(cluster.NodeId, cluster.ClusterId, cluster.AdvertisedHost, cluster.AdvertisedPort, options.Value.DataDir);
        return Task.CompletedTask;
    }

    /// <summary>Starts taking connections, for a cluster member once it knows the cluster (see <see cref="StartAsync"/>).</summary>
    public void Accept() => _server?.Accept();

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }

        // Groups stop before the logs close: their timers may still write to __consumer_offsets.
        _transactions?.Stop();
        _groups?.Stop();
        if (_logs is not null)
        {
            await _logs.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        LogStopped();
    }

    private void CheckOpenFileLimit(LogManager logs)
    {
        var segments = logs.SegmentCount;
        var partitions = logs.Logs.Count;
        var needed = OpenFileLimit.Needed(segments, partitions, options.Value.MaxOpenSegmentFiles);
        if (OpenFileLimit.Read() is { } limit && limit < needed)
        {
            LogOpenFileLimitLow(limit, needed, segments, partitions, OpenFileLimit.ConnectionAllowance);
        }
    }

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "The open-file limit is {Limit}, but the broker may need {Needed}: {Segments} segment files in {Partitions} partitions (max.open.segment.files caps how many stay open), their active indexes, and {Connections} connections; raise it (ulimit -n, LimitNOFILE=) or lower max.open.segment.files")]
    private partial void LogOpenFileLimitLow(long limit, long needed, long segments, int partitions, int connections);

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Broker {NodeId} of cluster {ClusterId} serving on {Host}:{Port}, data in {DataDir}")]
    private partial void LogStarted(int nodeId, string clusterId, string host, int port, string dataDir);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Broker stopped; logs flushed and closed")]
    private partial void LogStopped();
}
