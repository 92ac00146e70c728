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
        var port = FreePort.Next();
        await worker.CreateConnectorAsync("ingest", new Dictionary<string, string>
        {
            ["connector.class"] = "HttpSource",
            ["http.listen"] = $"127.0.0.1:{port}",
            ["http.path"] = "/events",
            ["http.auth.token"] = "t0k",
            ["topic"] = "events",
        });
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "t0k");

        // The task may report RUNNING a moment before its listener is up.
        HttpResponseMessage? response = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (response is null)
        {
            try
            {
                response = await client.PostAsync($"http://127.0.0.1:{port}/events",
                    new StringContent("[{\"id\":1},{\"id\":2},{\"id\":3}]", Encoding.UTF8, "application/json"));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("accepted").GetInt32());

        // Acknowledged means written: the records are readable the moment the 200 arrived.
        var records = worker.Consume("events", 3, TimeSpan.FromSeconds(5));
        Assert.Equal([1L, 2, 3], records.Select(r => JsonDocument.Parse(r.Message!.Value!).RootElement.GetProperty("id").GetInt64()));
    }
}
