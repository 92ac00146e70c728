using System.Text.Json.Nodes;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Connect.Runtime;
using Platform.Connect.Tests.Plugins;

namespace Platform.Connect.Tests;

public sealed class PipelineTests
{
    private static JsonObject Source(string topic, int records, int tasks = 1, params (string Key, string Value)[] extra)
    {
        var config = new JsonObject
        {
            ["connector.class"] = "CountingSource",
            ["tasks.max"] = tasks.ToString(),
            ["topic"] = topic,
            ["records"] = records.ToString(),
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    [Fact]
    public async Task SourceToSink_RecordsFlowThroughTopic_SinkReceivesEveryRecordInOrder()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "pipe-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");

        var (created, _) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "src", ["config"] = Source(topic, 20) });
        Assert.Equal(201, created);
        (created, _) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject { ["connector.class"] = "CollectingSink", ["topics"] = topic, ["collect.id"] = collect },
        });
        Assert.Equal(201, created);

        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Count >= 20, "20 records in the sink");
        var values = CollectingSinkTask.For(collect).Select(r => (long)((IDictionary<string, object?>)r.Value!)["n"]!).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), values);
        Assert.All(CollectingSinkTask.For(collect), r => Assert.StartsWith("k", (string)r.Key!));
        // The sink may read a record before the source's producer has reported its delivery (commitRecord).
        await Eventually.TrueAsync(() => CountingSourceTask.Committed.TryGetValue(topic, out var c) && c.Count >= 20, "20 source records committed");
        var committed = CountingSourceTask.Committed[topic];
        Assert.Equal(20, committed.Count);
        Assert.All(committed, c => Assert.NotNull(c.Metadata));
    }

    [Fact]
    public async Task Sink_LettingTheRuntimeReuseRecords_GetsEveryRecordAsConsumedInBatchAfterBatch()
    {
        // Batches of 3: the runtime converts the next batch while a put runs, and makes the records (and documents' maps)
        // of the batch before those of the one after; each put still reads exactly what was consumed.
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "reuse-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        var messages = Enumerable.Range(0, 40).Select(i => (Key: $"{{\"id\":{i}}}", Value: i % 7 == 3 ? $"[{i}]" : $"{{\"n\":{i},\"s\":\"{new string('x', i % 5)}\"}}")).ToArray();
        await cluster.ProduceAsync(topic, messages.Select(m => ((string?)m.Key, (string?)m.Value)));
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "DocumentSink",
                ["topics"] = topic,
                ["collect.id"] = collect,
                ["reuse.records"] = "true",
                ["consumer.override.max.poll.records"] = "3",
            },
        });

        var (read, objects) = DocumentSinkTask.CopiesFor(collect);
        await Eventually.TrueAsync(() => read.Count >= 40, "every record");
        // Arrays are decoded, not kept as documents: their records carry no document.
        Assert.Equal(messages.Select((m, i) => ((long)i, m.Key, m.Value.StartsWith('{') ? m.Value : "")), read);
        lock (objects)
        {
            Assert.InRange(objects.Count, 3, 12);
        }
    }

    [Fact]
    public async Task SourceOffsets_WorkerRestarted_ResumesFromStoredOffsets()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var topic = "resume-" + Guid.NewGuid().ToString("N")[..6];
        var worker = await cluster.StartWorkerAsync();
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "src", ["config"] = Source(topic, 10) });
        Assert.Equal(10, cluster.Consume(topic, 10).Count);

        // Offsets are flushed every offset.flush.interval.ms (500 ms here): the REST API shows the last flushed ones.
        long? position = null;
        for (var end = DateTime.UtcNow.AddSeconds(30); position != 9 && DateTime.UtcNow < end; await Task.Delay(50))
        {
            var (_, offsets) = await worker.GetAsync("connectors/src/offsets");
            position = offsets!["offsets"]!.AsArray() is [var entry, ..] ? entry!["offset"]!["position"]!.GetValue<long>() : null;
        }

        Assert.Equal(9, position);
        await worker.StopAsync();

        // The same connector with more records: the restarted worker continues after 9, nothing is written twice.
        var restarted = await cluster.StartWorkerAsync();
        var (status, _) = await restarted.SendAsync(HttpMethod.Put, "connectors/src/config", Source(topic, 15));
        Assert.Equal(200, status);
        var all = cluster.Consume(topic, 15);
        await Task.Delay(300);
        all = cluster.Consume(topic, 16, TimeSpan.FromSeconds(2));
        var numbers = all.Select(r => JsonNode.Parse(r.Message!.Value!)!["n"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)i), numbers);
    }

    [Fact]
    public async Task Sink_RetriableExceptionFromPut_BatchRedeliveredAfterBackoff()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "retry-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, Enumerable.Range(0, 3).Select(i => ((string?)null, (string?)$"{{\"n\":{i}}}")));
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject { ["connector.class"] = "CollectingSink", ["topics"] = topic, ["collect.id"] = collect, ["retriable.failures"] = "2" },
        });

        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Count >= 3, "3 records after 2 retriable failures");
        Assert.True(CollectingSinkTask.PutAttempts[collect] >= 3);
        Assert.Equal([0L, 1L, 2L], CollectingSinkTask.For(collect).Select(r => (long)((IDictionary<string, object?>)r.Value!)["n"]!));
        await worker.WaitForRunningAsync("sink");
    }

    [Fact]
    public async Task Sink_RetriableExceptionsLongerThanMaxPollInterval_PartitionsPausedSameBatchRedeliveredTaskStaysInGroup()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "redeliver-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, Enumerable.Range(0, 3).Select(i => ((string?)null, (string?)$"{{\"n\":{i}}}")));

        // Five failures back off 300 + 600 + 1000 + 1000 + 1000 ms: far longer than max.poll.interval.ms. A consumer
        // that stopped polling meanwhile would be dropped from its group and see its partition revoked and reopened.
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "CollectingSink",
                ["topics"] = topic,
                ["collect.id"] = collect,
                ["retriable.failures"] = "5",
                ["errors.retry.delay.max.ms"] = "1000",
                ["consumer.override.max.poll.interval.ms"] = "1500",
            },
        });

        // Records that arrive while the batch waits are not added to it: the partition is paused.
        await Eventually.TrueAsync(() => CollectingSinkTask.PutAttempts.GetValueOrDefault(collect) >= 1, "the first put");
        await cluster.ProduceAsync(topic, Enumerable.Range(3, 2).Select(i => ((string?)null, (string?)$"{{\"n\":{i}}}")));

        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Count >= 5, "5 records after 5 retriable failures", TimeSpan.FromSeconds(60));
        var batches = CollectingSinkTask.PutBatches[collect].ToList();
        Assert.True(batches.Count >= 6, $"{batches.Count} puts");
        Assert.All(batches.Take(6), b => Assert.Equal(batches[0], b));
        Assert.Equal([0L, 1L, 2L, 3L, 4L], CollectingSinkTask.For(collect).Select(r => (long)((IDictionary<string, object?>)r.Value!)["n"]!));
        Assert.Equal(["start", "open " + topic + "-0"], CollectingSinkTask.Events[collect]);
        await worker.WaitForRunningAsync("sink");
    }

    [Fact]
    public async Task Sink_RetriableExceptionsBeyondRetryTimeout_TaskFailedWithReasonInStatus()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "giveup-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, [(null, "{\"n\":0}")]);
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "CollectingSink",
                ["topics"] = topic,
                ["collect.id"] = collect,
                ["retriable.failures"] = "1000",
                ["errors.retry.timeout"] = "1500",
            },
        });

        var status = await worker.WaitForStatusAsync("sink", s => s["tasks"]!.AsArray().Count == 1 && s["tasks"]![0]!["state"]!.GetValue<string>() == "FAILED");
        var trace = status["tasks"]![0]!["trace"]!.GetValue<string>();
        Assert.Contains("errors.retry.timeout", trace);
        Assert.Contains("fails on purpose", trace);
        Assert.Empty(CollectingSinkTask.For(collect));
    }

    [Fact]
    public async Task Sink_CommittedOffsets_ShownByOffsetsEndpointAfterStop()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "sinkoff-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, Enumerable.Range(0, 4).Select(i => ((string?)$"k{i}", (string?)$"{{\"n\":{i}}}")));
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject { ["connector.class"] = "CollectingSink", ["topics"] = topic, ["collect.id"] = collect, ["key.converter"] = "string" },
        });
        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Count >= 4, "4 records");
        Assert.Equal(204, (await worker.SendAsync(HttpMethod.Put, "connectors/sink/stop")).Status);
        await worker.WaitForStatusAsync("sink", s => s["connector"]!["state"]!.GetValue<string>() == "STOPPED" && s["tasks"]!.AsArray().Count == 0);

        // The stopping task commits its last offsets as it shuts down, after the STOPPED status.
        await Eventually.TrueAsync(() => worker.GetAsync("connectors/sink/offsets").Result.Body?["offsets"]?.AsArray().Count == 1, "committed offsets");
        var (status, body) = await worker.GetAsync("connectors/sink/offsets");
        Assert.Equal(200, status);
        var entry = Assert.Single(body!["offsets"]!.AsArray());
        Assert.Equal(topic, entry!["partition"]!["kafka_topic"]!.GetValue<string>());
        Assert.Equal(4, entry["offset"]!["kafka_offset"]!.GetValue<long>());
        Assert.Contains("open " + topic + "-0", CollectingSinkTask.Events[collect]);
        Assert.Single(CollectingSinkTask.Events[collect], e => e == "close " + topic + "-0");
    }

    [Fact]
    public async Task Sink_RebalanceWhileAPutIsInFlight_PartitionsCloseAfterItAndEveryRecordIsPutOnce()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "inflight-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.Broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1 }]);
        }

        const int Records = 300;
        await cluster.ProduceAsync(topic, Enumerable.Range(0, Records).Select(i => ((string?)$"k{i}", (string?)$"{{\"n\":{i}}}")));

        // Puts of 10 records taking 50 ms each: the next batch is read while one is in flight, so the rebalance below
        // happens during a put.
        var created = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "CollectingSink",
                ["topics"] = topic,
                ["collect.id"] = collect,
                ["key.converter"] = "string",
                ["put.delay.ms"] = "50",
                ["consumer.override.max.poll.records"] = "10",
            },
        });
        Assert.Equal(201, created.Status);
        await Eventually.TrueAsync(() => CollectingSinkTask.PutBatches.TryGetValue(collect, out var puts) && puts.Count >= 3, "the first puts");

        // Another member of the sink's group takes a partition (revoking the task's) and leaves without committing: the
        // partition comes back from the offset the task committed as it was revoked, which must include the batch in flight.
        var intruder = new ConsumerBuilder<byte[]?, byte[]?>(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = cluster.Broker.BootstrapServers,
            ["group.id"] = WorkerSinkTask.GroupId("sink"),
            ["enable.auto.commit"] = "false",
            ["session.timeout.ms"] = "3000",
            ["heartbeat.interval.ms"] = "500",
        }).Build();
        try
        {
            intruder.Subscribe(topic);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (intruder.Assignment.Count == 0 && DateTime.UtcNow < deadline)
            {
                intruder.Consume(TimeSpan.FromMilliseconds(100));
            }

            Assert.NotEmpty(intruder.Assignment);
        }
        finally
        {
            intruder.Close();
            intruder.Dispose();
        }

        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Count >= Records, $"{Records} records", TimeSpan.FromSeconds(60));
        await Task.Delay(500);
        var put = CollectingSinkTask.For(collect).Select(r => (r.KafkaPartition, r.KafkaOffset)).ToList();
        Assert.Equal(put.Count, put.Distinct().Count());
        Assert.Equal(Records, put.Count);
        Assert.Contains(CollectingSinkTask.Events[collect], e => e.StartsWith("close ", StringComparison.Ordinal));
        Assert.False(CollectingSinkTask.CallsDuringPut.TryGetValue(collect, out var calls), $"called during a put: {string.Join(", ", calls ?? [])}");
    }
}
