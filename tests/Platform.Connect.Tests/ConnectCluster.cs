using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Broker;
using Platform.Client;
using Platform.Connect.Hosting;
using Platform.Connect.Runtime;

namespace Platform.Connect.Tests;

/// <summary>A real broker on loopback and any number of real workers with REST on loopback, torn down on dispose.</summary>
internal sealed class ConnectCluster : IAsyncDisposable
{
    private readonly List<WorkerHandle> _workers = [];

    private ConnectCluster(EmbeddedBroker broker) => Broker = broker;

    public EmbeddedBroker Broker { get; }

    public string GroupId { get; } = "connect-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<ConnectCluster> StartAsync()
    {
        var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.GroupMinSessionTimeoutMs = 1000;
            o.OffsetsTopicNumPartitions = 3;
            o.TransactionStateLogNumPartitions = 3;
        });
        return new ConnectCluster(broker);
    }

    /// <summary>Starts a worker of this cluster and waits until it is ready.</summary>
    public async Task<WorkerHandle> StartWorkerAsync(string? configDirectory = null, Action<WorkerOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddPlatformConnect(o =>
        {
            o.BootstrapServers = Broker.BootstrapServers;
            o.GroupId = GroupId;
            o.RestListen = "127.0.0.1:0";
            o.ConfigDirectory = configDirectory;
            o.ConfigRescanInterval = TimeSpan.FromMilliseconds(500);
            o.OffsetFlushInterval = TimeSpan.FromMilliseconds(500);
            o.SessionTimeout = TimeSpan.FromSeconds(3);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            o.OffsetStoragePartitions = 3;
            o.StatusStoragePartitions = 2;
            o.ConsumerOverrides["fetch.max.wait.ms"] = "100";
            o.ConsumerOverrides["metadata.max.age.ms"] = "500";
            configure?.Invoke(o);
        });
        var host = builder.Build();
        await host.StartAsync();
        var worker = host.Services.GetRequiredService<ConnectWorker>();
        await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var handle = new WorkerHandle(host, worker);
        _workers.Add(handle);
        return handle;
    }

    /// <summary>Produces string records.</summary>
    public async Task ProduceAsync(string topic, IEnumerable<(string? Key, string? Value)> records, Headers? headers = null)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new Dictionary<string, string> { ["bootstrap.servers"] = Broker.BootstrapServers, ["linger.ms"] = "0" }).Build();
        foreach (var (key, value) in records)
        {
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?>
            {
                Key = key is null ? null : Encoding.UTF8.GetBytes(key),
                Value = value is null ? null : Encoding.UTF8.GetBytes(value),
                Headers = headers,
            });
        }
    }

    /// <summary>Reads a topic from the beginning until <paramref name="count"/> records arrived (read_committed) or the deadline passes.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> Consume(string topic, int count, TimeSpan? deadline = null, int partitions = 1)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = Broker.BootstrapServers,
            ["isolation.level"] = "read_committed",
            ["fetch.max.wait.ms"] = "100",
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var result = new List<ConsumeResult<byte[]?, byte[]?>>();
        var end = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(20));
        while (result.Count < count && DateTime.UtcNow < end)
        {
            try
            {
                result.AddRange(consumer.ConsumeBatch(TimeSpan.FromMilliseconds(200)));
            }
            catch (KafkaException)
            {
                // The topic may not exist yet.
                Thread.Sleep(100);
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await Broker.DisposeAsync();
    }
}

/// <summary>A running worker and an HTTP client for its REST API.</summary>
internal sealed class WorkerHandle(IHost host, ConnectWorker worker) : IAsyncDisposable
{
    private bool _stopped;

    public ConnectWorker Worker => worker;

    public HttpClient Http { get; } = new() { BaseAddress = new Uri(worker.RestUrl! + "/"), Timeout = TimeSpan.FromSeconds(60) };

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is JsonNode node)
        {
            request.Content = new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json");
        }
        else if (body is string text)
        {
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, content.Length == 0 ? null : JsonNode.Parse(content));
    }

    public Task<(int Status, JsonNode? Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    /// <summary>Polls the connector's status until <paramref name="accept"/> holds.</summary>
    public async Task<JsonNode> WaitForStatusAsync(string connector, Func<JsonNode, bool> accept, TimeSpan? deadline = null)
    {
        var end = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        JsonNode? last = null;
        while (DateTime.UtcNow < end)
        {
            var (status, body) = await GetAsync($"connectors/{connector}/status");
            if (status == 200 && body is not null)
            {
                last = body;
                if (accept(body))
                {
                    return body;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Status of {connector} never matched; last: {last?.ToJsonString()}");
    }

    /// <summary>Waits until the connector and <paramref name="tasks"/> tasks are RUNNING.</summary>
    public Task<JsonNode> WaitForRunningAsync(string connector, int tasks = 1)
        => WaitForStatusAsync(connector, s => s["connector"]?["state"]?.GetValue<string>() == "RUNNING"
            && s["tasks"]!.AsArray().Count == tasks && s["tasks"]!.AsArray().All(t => t?["state"]?.GetValue<string>() == "RUNNING"));

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await host.StopAsync();
        host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
    }
}

/// <summary>Polling helpers.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var end = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }
}
