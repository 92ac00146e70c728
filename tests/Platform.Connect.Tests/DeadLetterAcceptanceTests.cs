using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Platform.Client;

namespace Platform.Connect.Tests;

/// <summary>
/// Poison input of the HTTP sink and the syslog source through a real worker: with <c>errors.tolerance=all</c> and a
/// dead-letter topic the record lands there with its context headers, the others flow and the connector keeps running.
/// </summary>
public sealed class DeadLetterAcceptanceTests
{
    [Fact]
    public async Task HttpSink_ClientErrorForOneRecord_DeadLetteredWithContextAndTheOthersDelivered()
    {
        using var api = new HttpListener();
        var port = FreePort();
        api.Prefixes.Add($"http://127.0.0.1:{port}/");
        api.Start();
        var delivered = new List<string>();
        using var stop = new CancellationTokenSource();
        var serving = ServeAsync(api, delivered, stop.Token);

        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        await cluster.ProduceAsync("calls", [("1", "{\"id\":1,\"bad\":false}"), ("2", "{\"id\":2,\"bad\":true}"), ("3", "{\"id\":3,\"bad\":false}")]);
        var (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "calls-http",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "HttpSink",
                ["topics"] = "calls",
                ["http.api.url"] = $"http://127.0.0.1:{port}/in",
                ["batch.size"] = "10",
                ["errors.tolerance"] = "all",
                ["errors.deadletterqueue.topic.name"] = "calls-dlq",
            },
        });
        Assert.True(status == 201, body?.ToJsonString());

        var dead = Assert.Single(cluster.Consume("calls-dlq", 1, TimeSpan.FromSeconds(60)));
        Assert.Equal("{\"id\":2,\"bad\":true}", Encoding.UTF8.GetString(dead.Message!.Value!));
        Assert.Equal(("calls", "0", "1"), (Header(dead, "topic"), Header(dead, "partition"), Header(dead, "offset")));
        Assert.Equal(("calls-http", "TASK_PUT"), (Header(dead, "connector.name"), Header(dead, "stage")));
        Assert.Contains("422", Header(dead, "exception.message"), StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Delivered(delivered).Count == 2, "the two good records delivered");
        Assert.Equal(["{\"id\":1,\"bad\":false}", "{\"id\":3,\"bad\":false}"], Delivered(delivered).Order(StringComparer.Ordinal));
        await worker.WaitForRunningAsync("calls-http");

        await stop.CancelAsync();
        api.Stop();
        await serving;
    }

    [Fact]
    public async Task SyslogSource_UnparseableMessage_DeadLetteredWithContextAndTheOthersWritten()
    {
        var port = FreePort();
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "syslog",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "SyslogSource",
                ["listen"] = $"127.0.0.1:{port}",
                ["format"] = "rfc5424",
                ["framing"] = "newline",
                ["topic"] = "logs",
                ["errors.tolerance"] = "all",
                ["errors.deadletterqueue.topic.name"] = "logs-dlq",
            },
        });
        Assert.True(status == 201, body?.ToJsonString());
        await worker.WaitForRunningAsync("syslog");

        await SendAsync(port, "<14>1 - h app - - - first\nnot syslog at all\n<14>1 - h app - - - second\n");

        var dead = Assert.Single(cluster.Consume("logs-dlq", 1, TimeSpan.FromSeconds(60)));
        Assert.Equal("\"not syslog at all\"", Encoding.UTF8.GetString(dead.Message!.Value!)); // the raw line, as a JSON string
        Assert.Equal(("syslog", "0"), (Header(dead, "connector.name"), Header(dead, "task.id")));
        Assert.Equal("logs", Header(dead, "topic"));
        Assert.False(string.IsNullOrEmpty(Header(dead, "exception.message")));
        var written = cluster.Consume("logs", 2, TimeSpan.FromSeconds(60));
        Assert.Equal(2, written.Count);
        Assert.Contains("first", Encoding.UTF8.GetString(written[0].Message!.Value!), StringComparison.Ordinal);
        Assert.Contains("second", Encoding.UTF8.GetString(written[1].Message!.Value!), StringComparison.Ordinal);
        await worker.WaitForRunningAsync("syslog");
    }

    /// <summary>Answers 422 to a batch holding a record marked bad, 200 (keeping the records) otherwise.</summary>
    private static async Task ServeAsync(HttpListener api, List<string> delivered, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await api.GetContextAsync().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            string text;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                text = await reader.ReadToEndAsync(cancellationToken);
            }

            var records = JsonNode.Parse(text)!.AsArray();
            var bad = records.Any(r => r!["bad"]!.GetValue<bool>());
            if (!bad)
            {
                lock (delivered)
                {
                    delivered.AddRange(records.Select(r => r!.ToJsonString()));
                }
            }

            context.Response.StatusCode = bad ? 422 : 200;
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(bad ? "bad record" : "ok"), cancellationToken);
            context.Response.Close();
        }
    }

    private static List<string> Delivered(List<string> delivered)
    {
        lock (delivered)
        {
            return [.. delivered];
        }
    }

    /// <summary>Sends <paramref name="data"/> over one TCP connection, retrying the connect until the source listens.</summary>
    private static async Task SendAsync(int port, string data)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                continue;
            }

            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(data));
            return;
        }
    }

    private static string Header(ConsumeResult<byte[]?, byte[]?> record, string name)
        => Encoding.UTF8.GetString(record.Message!.Headers!.GetLastBytes("__connect.errors." + name)!);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
