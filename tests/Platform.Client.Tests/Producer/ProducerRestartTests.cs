using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Platform.Broker;
using Platform.Client.Serialization;

namespace Platform.Client.Tests.Producer;

/// <summary>The broker restarts (same data directory, same port) in the middle of production.</summary>
public sealed class ProducerRestartTests
{
    [Fact]
    public async Task Produce_BrokerRestartsMidStream_NoLossNoReportedDuplicatesOrderKept()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "platform-restart-" + Guid.NewGuid().ToString("N"));
        var port = FreePort();
        void Configure(Broker.BrokerOptions o)
        {
            o.Listen = $"127.0.0.1:{port}";
            o.DataDir = dataDir;
        }

        var broker = await EmbeddedBroker.StartAsync(Configure);
        try
        {
            var config = new ProducerConfig
            {
                BootstrapServers = broker.BootstrapServers,
                Acks = Acks.All,
                MaxInFlightRequestsPerConnection = 1,
                RetryBackoffMs = 50,
                LingerMs = 1,
            };
            var reports = new ConcurrentDictionary<int, DeliveryReport<Null, string>>();
            var duplicates = 0;
            using (var producer = new ProducerBuilder<Null, string>(config).Build())
            {
                for (var i = 0; i < 3000; i++)
                {
                    var n = i;
                    producer.Produce(new TopicPartition("restart", 0), new Message<Null, string> { Value = n.ToString("D5") }, r =>
                    {
                        if (!reports.TryAdd(n, r))
                        {
                            Interlocked.Increment(ref duplicates);
                        }
                    });
                    if (i == 1500)
                    {
                        await broker.StopAsync();
                        await broker.DisposeAsync();
                        broker = await EmbeddedBroker.StartAsync(Configure);
                    }

                    if (i % 100 == 0)
                    {
                        await Task.Delay(5);
                    }
                }

                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
            }

            Assert.Equal(0, duplicates);
            Assert.Equal(3000, reports.Count);
            Assert.All(reports.Values, r => Assert.False(r.Error.IsError, r.Error.ToString()));
            var stored = await PartitionReader.ReadAllAsync(broker.BootstrapServers, "restart", 0, 3000);
            var values = stored.Select(s => int.Parse(s.Value!)).ToList();
            Assert.Equal(Enumerable.Range(0, 3000), values.Distinct());
            Assert.All(reports, r => Assert.Equal(r.Key, int.Parse(stored.Single(s => s.Offset == r.Value.Offset).Value!)));
        }
        finally
        {
            await broker.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task OurProducer_KcatConsumes_SameRecords()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, CompressionType = Protocol.RecordFormat.CompressionType.Lz4 }).Build())
        {
            for (var i = 0; i < 200; i++)
            {
                producer.Produce(new TopicPartition("to-kcat", 0), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var result = await ExternalProcess.RunAsync("kcat", ["-C", "-b", broker.BootstrapServers, "-t", "to-kcat", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%k=%s\n"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"k{i}=v{i}"), result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task OurProducer_KafkaJsConsumes_SameRecordsAndPartitions()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 2);
        var sent = new List<DeliveryResult<string, string>>();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, CompressionType = Protocol.RecordFormat.CompressionType.Gzip }).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                sent.Add(await producer.ProduceAsync("to-kafkajs", new Message<string, string> { Key = $"key-{i}", Value = $"v{i}" }));
            }
        }

        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        var result = await ExternalProcess.RunAsync("node", ["kafkajs-consume.js", broker.BootstrapServers, "to-kafkajs", "2", "100"], workingDirectory: interop);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = System.Text.Json.JsonDocument.Parse(result.StdOut);
        var received = json.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("partition").GetInt32(), e.GetProperty("offset").GetInt64(), e.GetProperty("key").GetString()!, e.GetProperty("value").GetString()!))
            .OrderBy(r => r.Item3, StringComparer.Ordinal).ToList();
        Assert.Equal(sent.Select(s => (s.Partition, s.Offset, s.Key, s.Value)).OrderBy(r => r.Key, StringComparer.Ordinal), received);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
