using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker;
using Platform.Broker.Cluster;
using Platform.Client.Serialization;
using Platform.Protocol.Messages;
using Platform.Testing;

namespace Platform.Client.Tests.Producer;

/// <summary>
/// KIP-794 through the sender, with real brokers: a cluster of two (etcd), partition 0 led by broker 1, partitions
/// 1-3 by broker 2. Broker 1 is reached through <see cref="StallingProxy"/>, which holds what the producer sends
/// while stalled: its requests stay in flight, as with a leader that stopped answering.
/// </summary>
public sealed class ProducerAdaptivePartitioningTests : IAsyncLifetime
{
    private const string Topic = "adaptive";
    private readonly List<EmbeddedBroker> _brokers = [];
    private EtcdCluster _etcd = null!;
    private StallingProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync();
        _proxy = new StallingProxy();
        var first = await StartClusteredAsync(1, advertise: $"127.0.0.1:{_proxy.Port}");
        _proxy.Target = first.Port;
        Assert.True(await View(first).WaitForAsync(v => v.ControllerId == 1, TimeSpan.FromSeconds(20), CancellationToken.None));
        var second = await StartClusteredAsync(2, advertise: null);
        Assert.True(await View(first).WaitForAsync(v => v.Brokers.Count == 2, TimeSpan.FromSeconds(20), CancellationToken.None));
        await using (var connection = await RawConnection.ConnectAsync(first))
        {
            var request = new CreateTopicsRequest
            {
                TimeoutMs = 5000,
                Topics =
                [
                    new()
                    {
                        Name = Topic,
                        NumPartitions = -1,
                        ReplicationFactor = -1,
                        Assignments = [.. Enumerable.Range(0, 4).Select(p => new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = p, BrokerIds = [p == 0 ? 1 : 2] })],
                    },
                ],
            };
            var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics);
            Assert.True(created.ErrorCode == 0, created.ErrorMessage);
        }

        foreach (var broker in _brokers)
        {
            Assert.True(await View(broker).WaitForAsync(v => v.Leader(Topic, 0)?.Id == 1 && Enumerable.Range(1, 3).All(p => v.Leader(Topic, p)?.Id == 2), TimeSpan.FromSeconds(20), CancellationToken.None));
        }

        _ = second;
    }

    public async Task DisposeAsync()
    {
        _proxy.Dispose();
        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        await _etcd.DisposeAsync();
    }

    /// <summary>
    /// Adaptive partitioning weighs partitions by their queues: the stalled leader's partition, whose batches pile up,
    /// gets far fewer records than the uniform quarter it gets with adaptive partitioning off.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StalledLeader_AdaptivePartitioning_SendsItsPartitionFewerRecords(bool adaptive)
    {
        var counts = await ProduceWhileStalledAsync(new ProducerConfig { PartitionerAdaptivePartitioningEnable = adaptive });

        var share = (double)counts.Stalled[0] / counts.Stalled.Sum();
        if (adaptive)
        {
            Assert.InRange(share, 0, 0.08);
        }
        else
        {
            Assert.InRange(share, 0.15, 0.35);
        }
    }

    /// <summary>
    /// With <c>partitioner.availability.timeout.ms</c>, a partition whose leader took no batch for that long is left out:
    /// once the stall has lasted well past it, not one record goes there. Without it, the queue weight alone still sends some.
    /// </summary>
    [Theory]
    [InlineData(200)]
    [InlineData(0)]
    public async Task StalledLeader_AvailabilityTimeout_LeavesItsPartitionOut(int timeoutMs)
    {
        var counts = await ProduceWhileStalledAsync(new ProducerConfig { PartitionerAvailabilityTimeoutMs = timeoutMs });

        if (timeoutMs > 0)
        {
            Assert.Equal(0, counts.Late[0]);
        }
        else
        {
            Assert.True(counts.Late[0] > 0, $"late records per partition: {string.Join(", ", counts.Late)}");
        }

        Assert.All(counts.Late.Skip(1), c => Assert.True(c > 0));
    }

    /// <summary>
    /// Produces keyless records at a steady pace: half a second with both leaders answering, then with broker 1 stalled
    /// (its partition's records counted in <c>Stalled</c>, those from two seconds into the stall also in <c>Late</c>);
    /// ends the stall and waits for every report, so none is lost.
    /// </summary>
    private async Task<(int[] Stalled, int[] Late)> ProduceWhileStalledAsync(ProducerConfig config)
    {
        config.BootstrapServers = _brokers[1].BootstrapServers;
        config.BatchSize = 1024;
        config.LingerMs = 5;
        config.Acks = Acks.Leader;
        config.RequestTimeoutMs = 60_000;
        var stalled = new int[4];
        var late = new int[4];
        var failed = 0;
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var value = new byte[100];
        Action<DeliveryReport<Null, byte[]>> Counting(int[]? into, int[]? alsoInto) => report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
                return;
            }

            if (into is not null)
            {
                Interlocked.Increment(ref into[report.Partition]);
            }

            if (alsoInto is not null)
            {
                Interlocked.Increment(ref alsoInto[report.Partition]);
            }
        };

        await ProduceForAsync(producer, value, Counting(null, null), TimeSpan.FromMilliseconds(500));
        _proxy.Stalled = true;
        // Late records start two seconds into the stall, ten times the availability timeout: the sender weighs the
        // partitions when it runs, and on a loaded machine (CI runs test projects side by side on 2 cores) it may
        // not run for hundreds of milliseconds.
        await ProduceForAsync(producer, value, Counting(stalled, null), TimeSpan.FromSeconds(2));
        await ProduceForAsync(producer, value, Counting(stalled, late), TimeSpan.FromSeconds(1));
        _proxy.Stalled = false;

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, failed);
        return (stalled, late);
    }

    /// <summary>Batches of 100 records every 2 ms: about 50,000 records per second.</summary>
    private static async Task ProduceForAsync(IProducer<Null, byte[]> producer, byte[] value, Action<DeliveryReport<Null, byte[]>> handler, TimeSpan duration)
    {
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
        {
            for (var i = 0; i < 100; i++)
            {
                producer.Produce(Topic, new Message<Null, byte[]> { Value = value }, handler);
            }

            await Task.Delay(2);
        }
    }

    private async Task<EmbeddedBroker> StartClusteredAsync(int id, string? advertise)
    {
        var broker = await _etcd.StartBrokerAsync(id, o => o.Advertise = advertise);
        _brokers.Add(broker);
        return broker;
    }

    private static ClusterMetadata View(EmbeddedBroker broker) => broker.Services.GetRequiredService<ClusterMetadata>();

    /// <summary>
    /// A TCP relay to <see cref="Target"/> on loopback. While <see cref="Stalled"/>, what clients send is held
    /// (and relayed in order once the stall ends); answers always pass.
    /// </summary>
    private sealed class StallingProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Socket> _sockets = [];
        private TaskCompletionSource _resume = NewResume(completed: true);

        public StallingProxy()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Target { get; set; }

        public bool Stalled
        {
            set
            {
                if (value)
                {
                    Volatile.Write(ref _resume, NewResume(completed: false));
                }
                else
                {
                    _resume.TrySetResult();
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _resume.TrySetResult();
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    socket.Dispose();
                }
            }
        }

        private static TaskCompletionSource NewResume(bool completed)
        {
            var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (completed)
            {
                resume.SetResult();
            }

            return resume;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }

                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                client.NoDelay = true;
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                }

                await server.ConnectAsync(IPAddress.Loopback, Target);
                _ = RelayAsync(client, server, stalling: true);
                _ = RelayAsync(server, client, stalling: false);
            }
        }

        private async Task RelayAsync(Socket from, Socket to, bool stalling)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    if (stalling)
                    {
                        await Volatile.Read(ref _resume).Task;
                    }

                    await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // The other side closed: close this one too.
            }

            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }
    }
}
