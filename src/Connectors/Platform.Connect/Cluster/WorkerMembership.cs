using System.Globalization;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Connect.Runtime;

namespace Platform.Connect.Cluster;

/// <summary>
/// This worker's membership of the workers' group (<c>group.id</c>) through Platform.Client's group protocol: a
/// consumer that subscribes to the configs topic only to be a member (the <see cref="ConnectAssignor"/> gives it no
/// partitions), polled on its own thread so heartbeats and rebalances go on while tasks run. Closing it leaves the
/// group, so the others rebalance at once; a worker that dies is dropped after <c>session.timeout.ms</c>.
/// </summary>
public sealed class WorkerMembership : IAsyncDisposable
{
    private readonly WorkerOptions _options;
    private readonly ConnectAssignor _assignor;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly WorkerInfo _self;
    private Thread? _thread;
    private volatile ClusterAssignment _current = ClusterAssignment.None;

    /// <summary>A membership for the worker <paramref name="self"/>.</summary>
    public WorkerMembership(WorkerOptions options, WorkerInfo self, ILogger logger)
    {
        _options = options;
        _self = self;
        _logger = logger;
        _assignor = new ConnectAssignor(self);
        _assignor.Assigned += a =>
        {
            _current = a;
            _logger.LogAssignment(self.WorkerId, a.Generation, a.Self, a.Members.Count);
            Changed?.Invoke();
        };
    }

    /// <summary>Raised (on the membership thread) when the assignment changed.</summary>
    public event Action? Changed;

    /// <summary>The latest assignment.</summary>
    public ClusterAssignment Current => _current;

    /// <summary>Joins the group in the background.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"connect-membership-{_self.WorkerId}" };
        _thread.Start();
    }

    private void Run()
    {
        var config = new Dictionary<string, string>
        {
            ["bootstrap.servers"] = _options.BootstrapServers,
            ["client.id"] = $"connect-worker-{_self.WorkerId}",
            ["group.id"] = _options.GroupId,
            ["enable.auto.commit"] = "false",
            ["session.timeout.ms"] = ((int)_options.SessionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["heartbeat.interval.ms"] = ((int)_options.HeartbeatInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["max.poll.interval.ms"] = "300000",
        };
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetPartitionAssignor(_assignor).Build();
        consumer.Subscribe(_options.ConfigStorageTopic);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (KafkaException e) when (!_stop.IsCancellationRequested)
            {
                _logger.LogMembershipFailed(e, _self.WorkerId);
                _stop.Token.WaitHandle.WaitOne(500);
            }
        }

        try
        {
            consumer.Close();
        }
        catch (KafkaException e)
        {
            _logger.LogMembershipFailed(e, _self.WorkerId);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _thread?.Join(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }
}
