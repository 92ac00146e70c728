using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Broker;
using Platform.Client;
using Platform.Connect.Hosting;
using Platform.Connect.Runtime;
using Xunit;

namespace Platform.Connectors.Testing;

/// <summary>Our real broker on loopback and one real Connect worker (REST on loopback) running the connectors under test.</summary>
public sealed class ConnectWorkerFixture : IAsyncDisposable
{
    private readonly IHost _host;

    private ConnectWorkerFixture(EmbeddedBroker broker, IHost host, ConnectWorker worker)
    {
        Broker = broker;
        _host = host;
        Http = new HttpClient { BaseAddress = new Uri(worker.RestUrl! + "/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public EmbeddedBroker Broker { get; }

    public HttpClient Http { get; }

    public static async Task<ConnectWorkerFixture> StartAsync()
    {
        var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.GroupMinSessionTimeoutMs = 1000;
            o.OffsetsTopicNumPartitions = 3;
            o.TransactionStateLogNumPartitions = 3;
        });
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Services.AddPlatformConnect(o =>
        {
            o.BootstrapServers = broker.BootstrapServers;
            o.GroupId = "connect-" + Guid.NewGuid().ToString("N")[..8];
            o.RestListen = "127.0.0.1:0";
            o.OffsetFlushInterval = TimeSpan.FromMilliseconds(500);
            o.SessionTimeout = TimeSpan.FromSeconds(3);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            o.OffsetStoragePartitions = 3;
            o.StatusStoragePartitions = 2;
            o.ConsumerOverrides["fetch.max.wait.ms"] = "100";
            o.ConsumerOverrides["metadata.max.age.ms"] = "500";
        });
        var host = builder.Build();
        await host.StartAsync();
        var worker = host.Services.GetRequiredService<ConnectWorker>();
        await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        return new ConnectWorkerFixture(broker, host, worker);
    }

    /// <summary>Creates a connector over REST (POST /connectors) and waits until its tasks run.</summary>
    public async Task CreateConnectorAsync(string name, IReadOnlyDictionary<string, string> config, int tasks = 1)
    {
        var body = new JsonObject { ["name"] = name, ["config"] = new JsonObject(config.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) };
        using var response = await Http.PostAsync("connectors", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"POST /connectors: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = await Http.GetStringAsync($"connectors/{name}/status");
            var status = JsonNode.Parse(last)!;
            var states = status["tasks"]!.AsArray().Select(t => t!["state"]!.GetValue<string>()).ToList();
            if (status["connector"]!["state"]!.GetValue<string>() == "RUNNING" && states.Count == tasks && states.All(s => s == "RUNNING"))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{name} never ran; last status: {last}");
    }

    /// <summary>Reads a topic from the beginning until <paramref name="count"/> records arrived or the deadline passed.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> Consume(string topic, int count, TimeSpan? deadline = null)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = Broker.BootstrapServers,
            ["fetch.max.wait.ms"] = "100",
        }).Build();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);
        var result = new List<ConsumeResult<byte[]?, byte[]?>>();
        var end = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        while (result.Count < count && DateTime.UtcNow < end)
        {
            try
            {
                result.AddRange(consumer.ConsumeBatch(TimeSpan.FromMilliseconds(200)));
            }
            catch (KafkaException)
            {
                Thread.Sleep(100); // The topic may not exist yet.
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
        await Broker.DisposeAsync();
    }
}
