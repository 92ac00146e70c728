using System.Globalization;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// Three real <c>platform broker</c> processes (node ids 1-3) on a real etcd, each with its data in
/// <see cref="Dir"/>/broker-N. A broker started again keeps its port, so clients' bootstrap lists stay valid.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly BrokerProcess?[] _brokers = new BrokerProcess?[3];
    private readonly int[] _ports = new int[3];
    private readonly EtcdCluster _etcd;
    private readonly string _config;

    private ProcessCluster(EtcdCluster etcd, string dir, string config)
    {
        _etcd = etcd;
        Dir = dir;
        _config = config;
    }

    public string Dir { get; }

    /// <summary>Every broker's address, for clients that should survive any one of them.</summary>
    public string BootstrapServers => string.Join(',', _ports.Select(p => $"127.0.0.1:{p}"));

    /// <summary>Starts etcd and the three brokers with <paramref name="properties"/> as their config file, and waits until each sees the others and a controller.</summary>
    public static async Task<ProcessCluster> StartAsync(string properties)
    {
        var dir = Path.Combine(Path.GetTempPath(), "platform-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "cluster.properties");
        await File.WriteAllTextAsync(config, properties);
        var cluster = new ProcessCluster(await EtcdCluster.StartAsync(), dir, config);
        try
        {
            await Task.WhenAll(Enumerable.Range(1, 3).Select(cluster.StartBrokerAsync));
            foreach (var id in Enumerable.Range(1, 3))
            {
                Assert.True(await Wire.EventuallyAsync(
                    async () => await cluster.MetadataAsync(id, null) is { Brokers.Count: 3, ControllerId: not -1 },
                    TimeSpan.FromSeconds(20)), $"broker {id} did not see the cluster");
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public BrokerProcess Broker(int id) => _brokers[id - 1]!;

    /// <summary>Starts broker <paramref name="id"/> (again, after a kill, on the port it had).</summary>
    public async Task StartBrokerAsync(int id)
    {
        _brokers[id - 1] = await BrokerProcess.StartAsync(
            Path.Combine(Dir, $"broker-{id}"),
            ["--node-id", id.ToString(CultureInfo.InvariantCulture), "--etcd", string.Join(',', _etcd.Endpoints), "--config", _config],
            listen: $"127.0.0.1:{_ports[id - 1]}");
        _ports[id - 1] = _brokers[id - 1]!.Port;
    }

    public bool IsRunning(int id) => _brokers[id - 1] is { HasExited: false };

    public async Task<MetadataResponse> MetadataAsync(int broker, string? topic)
    {
        await using var connection = await RawConnection.ConnectAsync(_ports[broker - 1]);
        var request = new MetadataRequest { Topics = topic is null ? [] : [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = false };
        return await connection.SendAsync<MetadataResponse>(request, 12);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }
        }

        await _etcd.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
