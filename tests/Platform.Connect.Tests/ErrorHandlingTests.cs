using System.Text;
using System.Text.Json.Nodes;
using Platform.Client;
using Platform.Connect.Tests.Plugins;

namespace Platform.Connect.Tests;

public sealed class ErrorHandlingTests
{
    private static string Header(ConsumeResult<byte[]?, byte[]?> record, string name)
        => Encoding.UTF8.GetString(record.Message!.Headers!.GetLastBytes("__connect.errors." + name)!);

    [Fact]
    public async Task Sink_PoisonRecordWithToleranceAll_GoesToDeadLetterTopicWithContextAndPipelineContinues()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "poison-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, [(null, "{\"n\":0}"), (null, "not json"), (null, "{\"n\":2}"), (null, "{\"n\":3}")]);
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "CollectingSink",
                ["topics"] = topic,
                ["collect.id"] = collect,
                ["report.value"] = "3",
                ["errors.tolerance"] = "all",
                ["errors.log.enable"] = "true",
                ["errors.deadletterqueue.topic.name"] = topic + "-dlq",
            },
        });

        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Count >= 2, "the good records");
        var dead = cluster.Consume(topic + "-dlq", 2);
        Assert.Equal(2, dead.Count);
        Assert.Equal("not json", Encoding.UTF8.GetString(dead[0].Message!.Value!));
        Assert.Equal((topic, "0", "1", "sink", "0", "VALUE_CONVERTER"),
            (Header(dead[0], "topic"), Header(dead[0], "partition"), Header(dead[0], "offset"), Header(dead[0], "connector.name"), Header(dead[0], "task.id"), Header(dead[0], "stage")));
        Assert.Equal(typeof(DataException).FullName, Header(dead[0], "exception.class.name"));
        Assert.Contains("JsonConverter", Header(dead[0], "class.name"));
        Assert.NotEmpty(Header(dead[0], "exception.stacktrace"));
        Assert.Equal(("TASK_PUT", "3"), (Header(dead[1], "stage"), Header(dead[1], "offset")));
        Assert.Contains("Sink rejects n=3", Header(dead[1], "exception.message"));
        Assert.Equal([0L, 2L], CollectingSinkTask.For(collect).Select(r => (long)((IDictionary<string, object?>)r.Value!)["n"]!));
        await worker.WaitForRunningAsync("sink");
    }

    [Fact]
    public async Task Sink_NotReadingJsonDocuments_GetsDecodedMapsAndBadObjectsAreConverterErrors()
    {
        // A sink that does not read documents (SinkTask.ReadsJsonDocuments false) gets maps decoded once, no document kept
        // to check after; bad objects (malformed, a number JSON cannot hold) still fail in the converter, dead-lettered.
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "decoded-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, [(null, "{\"n\":0}"), (null, "{\"n\":1,"), (null, "{\"n\":2,\"x\":1e999}"), (null, "{\"n\":3}")]);
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "CollectingSink",
                ["topics"] = topic,
                ["collect.id"] = collect,
                ["errors.tolerance"] = "all",
                ["errors.deadletterqueue.topic.name"] = topic + "-dlq",
            },
        });

        await Eventually.TrueAsync(() => CollectingSinkTask.For(collect).Count >= 2, "the good records");
        var received = CollectingSinkTask.For(collect).ToList();
        Assert.Equal([0L, 3L], received.Select(r => (long)((IDictionary<string, object?>)r.Value!)["n"]!));
        Assert.All(received, r => Assert.False(r.Value is Data.IJsonObjectSource source && source.TryGetUtf8(out _), "a document was kept"));
        var dead = cluster.Consume(topic + "-dlq", 2);
        Assert.Equal([("1", "VALUE_CONVERTER"), ("2", "VALUE_CONVERTER")], dead.Select(d => (Header(d, "offset"), Header(d, "stage"))));
        Assert.All(dead, d => Assert.Equal(typeof(DataException).FullName, Header(d, "exception.class.name")));
        Assert.Contains("range", Header(dead[1], "exception.message"));
    }

    [Fact]
    public async Task Sink_ReadingJsonDocuments_GetsTheConsumedBytesUntilThePutReturns()
    {
        // The documents a sink reads are the runtime's buffer of the consumed batch, lent for the put: kept past it, an
        // unread map refuses to be read rather than show bytes of a later batch.
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "documents-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        string[] values = ["{\"n\":0}", " {\"n\":1,\"s\":\"x\"}", "{\"n\":2}"];
        await cluster.ProduceAsync(topic, [.. values.Select(v => ((string?)null, v))]);
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject { ["connector.class"] = "DocumentSink", ["topics"] = topic, ["collect.id"] = collect },
        });

        await Eventually.TrueAsync(() => DocumentSinkTask.For(collect).Count >= 3, "every record");
        var received = DocumentSinkTask.For(collect).ToList();
        Assert.Equal(values, received.Select(r => r.Document));
        await Eventually.TrueAsync(() => received.All(r => !((Data.IJsonObjectSource)r.Record.Value!).TryGetUtf8(out _)), "the documents given back");
        Assert.All(received, r => Assert.Throws<InvalidOperationException>(() => ((IDictionary<string, object?>)r.Record.Value!)["n"]));
    }

    [Fact]
    public async Task Source_PoisonRecordWithToleranceAll_GoesToDeadLetterTopicAndOthersAreWritten()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "spoison-" + Guid.NewGuid().ToString("N")[..6];
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "src",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "CountingSource",
                ["topic"] = topic,
                ["records"] = "4",
                ["poison.at"] = "1",
                ["errors.tolerance"] = "all",
                ["errors.deadletterqueue.topic.name"] = topic + "-dlq",
            },
        });

        var written = cluster.Consume(topic, 3);
        Assert.Equal([0L, 2L, 3L], written.Select(r => JsonNode.Parse(r.Message!.Value!)!["n"]!.GetValue<long>()));
        var dead = Assert.Single(cluster.Consume(topic + "-dlq", 1));
        Assert.Equal(("VALUE_CONVERTER", topic, "src"), (Header(dead, "stage"), Header(dead, "topic"), Header(dead, "connector.name")));
        Assert.Equal("\"k1\"", Encoding.UTF8.GetString(dead.Message!.Key!));
        await Eventually.TrueAsync(() => CountingSourceTask.Committed.TryGetValue(topic, out var c) && c.Count == 4, "every record committed");
        Assert.Null(CountingSourceTask.Committed[topic].Single(c => c.N == 1).Metadata);
    }

    [Fact]
    public async Task ToleranceNone_BadRecord_TaskFailedWithTraceThenRestartable()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "fail-" + Guid.NewGuid().ToString("N")[..6];
        var collect = Guid.NewGuid().ToString("N");
        await cluster.ProduceAsync(topic, [(null, "{\"n\":0}"), (null, "{\"n\":1}")]);
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "sink",
            ["config"] = new JsonObject { ["connector.class"] = "CollectingSink", ["topics"] = topic, ["collect.id"] = collect, ["fail.value"] = "1" },
        });

        var status = await worker.WaitForStatusAsync("sink", s => s["tasks"]!.AsArray().Count == 1 && s["tasks"]![0]!["state"]!.GetValue<string>() == "FAILED");
        Assert.Contains("Sink cannot write n=1", status["tasks"]![0]!["trace"]!.GetValue<string>());
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());

        var (code, _) = await worker.SendAsync(HttpMethod.Post, "connectors/sink/restart?includeTasks=true&onlyFailed=true");
        Assert.Equal(202, code);
        await worker.WaitForStatusAsync("sink", s => s["tasks"]![0]!["state"]!.GetValue<string>() is "RUNNING" or "FAILED" && CollectingSinkTask.Events[collect].Count(e => e == "start") >= 2);
    }

    [Fact]
    public async Task Source_NonRetriableFailure_TaskFailedWithReason()
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var topic = "sfail-" + Guid.NewGuid().ToString("N")[..6];
        await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "src",
            ["config"] = new JsonObject { ["connector.class"] = "CountingSource", ["topic"] = topic, ["records"] = "10", ["fail.at"] = "7" },
        });

        var status = await worker.WaitForStatusAsync("src", s => s["tasks"]!.AsArray().Count == 1 && s["tasks"]![0]!["state"]!.GetValue<string>() == "FAILED");
        Assert.Contains("Counting source failed at 7 on purpose", status["tasks"]![0]!["trace"]!.GetValue<string>());
        Assert.Equal(5, cluster.Consume(topic, 5).Count);
    }
}
