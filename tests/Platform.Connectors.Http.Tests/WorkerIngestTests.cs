using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Connectors.Http.Tests.Support;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Http.Tests;

/// <summary>The HTTP ingest source run by the real Connect worker against our real broker.</summary>
public sealed class WorkerIngestTests
{
    [Fact]
    public async Task HttpSource_ThroughTheWorker_200MeansTheRecordsAreInTheTopic()
    {
        await using var worker = await ConnectWorkerFixture.StartAsync();
        var port = await CreateIngestAsync(worker, []);
        using var response = await PostWhenListeningAsync(port, "[{\"id\":1},{\"id\":2},{\"id\":3}]");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("accepted").GetInt32());

        // Acknowledged means written: the records are readable the moment the 200 arrived.
        AssertIdsInTopic(worker);
    }

    [Fact]
    public async Task HttpSource_ALingerLongerThanTheAckTimeout_StillAnswers200_TheWorkerSendsEachBatchAtOnce()
    {
        // The worker waits for a poll's records to be acknowledged before it polls again, so nothing would join them
        // while they lingered: they go at once. Lingering 60 s, they would be answered 504 after the 20 s ack timeout.
        await using var worker = await ConnectWorkerFixture.StartAsync();
        var port = await CreateIngestAsync(worker, new() { ["http.ack.timeout.ms"] = "20000", ["producer.override.linger.ms"] = "60000" });
        for (var i = 1; i <= 3; i++)
        {
            using var response = await PostWhenListeningAsync(port, $"{{\"id\":{i}}}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        AssertIdsInTopic(worker);
    }

    /// <summary>Creates an <c>HttpSource</c> on a free port, path <c>/events</c>, token <c>t0k</c>, writing topic <c>events</c>, with <paramref name="extra"/> settings; returns the port.</summary>
    private static async Task<int> CreateIngestAsync(ConnectWorkerFixture worker, Dictionary<string, string> extra)
    {
        var port = FreePort.Next();
        var config = new Dictionary<string, string>
        {
            ["connector.class"] = "HttpSource",
            ["http.listen"] = $"127.0.0.1:{port}",
            ["http.path"] = "/events",
            ["http.auth.token"] = "t0k",
            ["topic"] = "events",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        await worker.CreateConnectorAsync("ingest", config);
        return port;
    }

    private static void AssertIdsInTopic(ConnectWorkerFixture worker)
    {
        var records = worker.Consume("events", 3, TimeSpan.FromSeconds(5));
        Assert.Equal([1L, 2, 3], records.Select(r => JsonDocument.Parse(r.Message!.Value!).RootElement.GetProperty("id").GetInt64()));
    }

    /// <summary>Posts <paramref name="body"/> to the source's <c>/events</c>, again while its listener is not up yet (the task may report RUNNING a moment before).</summary>
    private static async Task<HttpResponseMessage> PostWhenListeningAsync(int port, string body)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "t0k");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await client.PostAsync($"http://127.0.0.1:{port}/events", new StringContent(body, Encoding.UTF8, "application/json"));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
