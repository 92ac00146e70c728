using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Broker;
using Platform.Connect.Hosting;
using Platform.Connect.Runtime;

namespace Platform.Benchmarks;

/// <summary>
/// Ingest connectors into our broker through a real Connect worker, all in this process: lines/s from a spooling
/// directory (from the connector's creation until every file is finished, which happens only after the broker
/// acknowledged all its lines), and requests/s and records/s of the HTTP ingest source (each 200 means acknowledged).
/// </summary>
internal static class IngestConnectorsBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var lines = options.Long("lines", 1_000_000);
        var files = options.Int("files", 10);
        var requests = options.Int("requests", 2000);
        var batch = options.Int("batch", 100);
        var clients = options.Int("clients", 16);
        var rounds = options.Int("rounds", 3);
        var root = Path.Combine(Path.GetTempPath(), "connect-ingest-" + Guid.NewGuid().ToString("N")[..8]);
        var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.DataDir = Path.Combine(root, "broker");
            o.GroupInitialRebalanceDelayMs = 0;
        });
        using var host = await StartWorkerAsync(broker.BootstrapServers);
        var worker = host.Services.GetRequiredService<ConnectWorker>();
        using var rest = new HttpClient { BaseAddress = new Uri(worker.RestUrl! + "/") };
        Report.Heading($"connect-ingest: {Report.Load()}");

        var spool = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            spool.Add(await SpoolDirRoundAsync(rest, Path.Combine(root, $"spool{round}"), round, lines, files));
        }

        Report.Row($"spooldir ({lines} lines of 100 B)", spool, "lines/s", 0);

        foreach (var size in new[] { 1, batch })
        {
            var perRequest = new List<double>();
            var perRecord = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var seconds = await HttpRoundAsync(rest, $"http{size}-{round}", requests, size, clients);
                perRequest.Add(requests / seconds);
                perRecord.Add(requests * (double)size / seconds);
            }

            Report.Row($"http ingest, {size} rec/request", perRequest, "requests/s", 0);
            Report.Row($"http ingest, {size} rec/request", perRecord, "records/s", 0);
        }

        await host.StopAsync();

        // The broker writes its checkpoints on dispose: delete its directory only after.
        await broker.DisposeAsync();
        Directory.Delete(root, recursive: true);
        return 0;
    }

    private static async Task<IHost> StartWorkerAsync(string bootstrapServers)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Services.AddPlatformConnect(o =>
        {
            o.BootstrapServers = bootstrapServers;
            o.GroupId = "bench-connect";
            o.RestListen = "127.0.0.1:0";
            o.OffsetStoragePartitions = 3;
            o.StatusStoragePartitions = 2;
        });
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<ConnectWorker>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    private static async Task<double> SpoolDirRoundAsync(HttpClient rest, string dir, int round, long lines, int files)
    {
        var input = Directory.CreateDirectory(Path.Combine(dir, "in")).FullName;
        var finished = Path.Combine(dir, "done");
        var line = new string('x', 99);
        for (var f = 0; f < files; f++)
        {
            await File.WriteAllLinesAsync(Path.Combine(input, $"part{f}.txt"), Enumerable.Repeat(line, (int)(lines / files)));
        }

        var started = Stopwatch.GetTimestamp();
        await CreateAsync(rest, $"spool{round}", new JsonObject
        {
            ["connector.class"] = "SpoolDirSource",
            ["input.path"] = input,
            ["finished.path"] = finished,
            ["error.path"] = Path.Combine(dir, "error"),
            ["file.minimum.age.ms"] = "0",
            ["poll.interval.ms"] = "50",
            ["batch.size"] = "10000",
            ["topic"] = $"spool{round}",
            ["value.converter"] = "string",
        });
        while (!Directory.Exists(finished) || Directory.GetFiles(finished).Length < files)
        {
            await Task.Delay(20);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await rest.DeleteAsync($"connectors/spool{round}");
        return lines / files * files / seconds;
    }

    private static async Task<double> HttpRoundAsync(HttpClient rest, string name, int requests, int size, int clients)
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await CreateAsync(rest, name, new JsonObject
        {
            ["connector.class"] = "HttpSource",
            ["http.listen"] = $"127.0.0.1:{port}",
            ["topic"] = name,
            ["http.max.pending.requests"] = "1024",
        });
        using var client = new HttpClient();
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, size).Select(i => $"{{\"id\":{i},\"pad\":\"{new string('x', 70)}\"}}")) + "]");
        var url = $"http://127.0.0.1:{port}/";
        while (true)
        {
            try
            {
                using var warm = await client.PostAsync(url, Json(body));
                warm.EnsureSuccessStatusCode();
                break;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }

        var next = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                using var response = await client.PostAsync(url, Json(body));
                response.EnsureSuccessStatusCode();
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await rest.DeleteAsync($"connectors/{name}");
        return seconds;
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task CreateAsync(HttpClient rest, string name, JsonObject config)
    {
        var request = new JsonObject { ["name"] = name, ["config"] = config };
        using var response = await rest.PostAsync("connectors", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /connectors {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
