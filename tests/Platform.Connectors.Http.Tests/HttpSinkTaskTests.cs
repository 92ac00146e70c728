using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connectors.Http.Sink;
using Platform.Connectors.Http.Tests.Support;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Http.Tests;

public sealed class HttpSinkTaskTests
{
    private static async Task<(HttpSinkTask Task, TestSinkContext Context)> StartAsync(string url, params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string> { ["http.api.url"] = url, ["retry.backoff.ms"] = "10", ["retry.backoff.max.ms"] = "40" };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        var task = new HttpSinkTask();
        var context = new TestSinkContext(config);
        task.Initialize(context);
        await task.StartAsync(config);
        return (task, context);
    }

    private static List<SinkRecord> Records(int count)
        => Enumerable.Range(0, count).Select(i => new SinkRecord("t", 0, null, null, null,
            new Dictionary<string, object?> { ["id"] = (long)i, ["bad"] = i == 3 }, i)).ToList();

    private static List<long> Ids(string body)
        => JsonDocument.Parse(body).RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();

    [Fact]
    public async Task Put_FiveRecordsBatchOfTwo_SendsThreeJsonArraysWithMethodAndHeaders()
    {
        await using var api = await TestHttpServer.StartAsync((_, _) => Task.CompletedTask);
        var (task, _) = await StartAsync($"{api.Url}/in", ("batch.size", "2"), ("http.method", "PUT"), ("http.headers", "Authorization:Bearer t|X-Src:platform"));

        await task.PutAsync(Records(5), default);

        var requests = api.Requests.ToList();
        Assert.Equal([[0L, 1], [2L, 3], [4L]], requests.Select(r => Ids(r.Body)));
        Assert.All(requests, r => Assert.Equal("PUT", r.Method));
        Assert.All(requests, r => Assert.StartsWith("application/json", r.Headers["Content-Type"]));
        Assert.Equal("Bearer t", requests[0].Headers["Authorization"]);
        Assert.Equal("platform", requests[0].Headers["X-Src"]);
    }

    [Fact]
    public async Task Put_ServerErrorsThenSuccess_RetriesWithBackoff()
    {
        var calls = 0;
        await using var api = await TestHttpServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref calls) <= 2 ? 502 : 200;
            return Task.CompletedTask;
        });
        var (task, _) = await StartAsync(api.Url);

        await task.PutAsync(Records(2), default);

        Assert.Equal(3, api.Requests.Count);
        Assert.All(api.Requests, r => Assert.Equal([0L, 1], Ids(r.Body)));
    }

    [Fact]
    public async Task Put_ServerErrorsBeyondMaxRetries_ThrowsRetriableWithABackoff()
    {
        await using var api = await TestHttpServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsync("database down");
        });
        var (task, context) = await StartAsync(api.Url, ("max.retries", "2"));

        var error = await Assert.ThrowsAsync<RetriableException>(() => task.PutAsync(Records(1), default));

        Assert.Contains("500 database down", error.Message);
        Assert.Equal(3, api.Requests.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(40), context.LastTimeout);
    }

    [Fact]
    public async Task Put_SlowServer_TimesOutAndRetries()
    {
        var calls = 0;
        await using var api = await TestHttpServer.StartAsync(async (context, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { });
            }
        });
        var (task, _) = await StartAsync(api.Url, ("http.timeout.ms", "200"));

        await task.PutAsync(Records(1), default);

        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task Put_ClientErrorOnBatch_SendsOneByOneAndReportsOnlyTheRejectedRecord()
    {
        await using var api = await TestHttpServer.StartAsync((context, body) =>
        {
            var rejected = JsonDocument.Parse(body).RootElement.EnumerateArray().Any(e => e.GetProperty("bad").GetBoolean());
            context.Response.StatusCode = rejected ? 422 : 200;
            return context.Response.WriteAsync(rejected ? "bad record" : "ok");
        });
        var (task, context) = await StartAsync(api.Url, ("batch.size", "10"));

        await task.PutAsync(Records(5), default);

        var (record, error) = Assert.Single(context.Errant);
        Assert.Equal(3, record.KafkaOffset);
        Assert.Contains("422: bad record", error.Message);
        var delivered = api.Requests.Where(r => !r.Body.Contains("\"bad\":true", StringComparison.Ordinal)).SelectMany(r => Ids(r.Body)).Order();
        Assert.Equal([0L, 1, 2, 4], delivered);
    }

    [Fact]
    public async Task Put_Unreachable_ThrowsRetriable()
    {
        var (task, _) = await StartAsync($"http://127.0.0.1:{FreePort.Next()}/x", ("max.retries", "1"));

        await Assert.ThrowsAsync<RetriableException>(() => task.PutAsync(Records(1), default));
    }

    [Theory]
    [InlineData("http.api.url", null, "http.api.url")]
    [InlineData("http.api.url", "not a url", "http.api.url")]
    [InlineData("http.method", "DELETE", "http.method")]
    [InlineData("batch.size", "0", "batch.size")]
    [InlineData("http.headers", "X", "http.headers")]
    public async Task Start_BadConfig_ThrowsNamingTheKey(string key, string? value, string named)
    {
        var config = new Dictionary<string, string> { ["http.api.url"] = "http://127.0.0.1:1/x" };
        if (value is null)
        {
            config.Remove(key);
        }
        else
        {
            config[key] = value;
        }

        var error = await Assert.ThrowsAsync<ConfigException>(() => new HttpSinkTask().StartAsync(config));
        Assert.Contains($"'{named}'", error.Message);
        Assert.Contains(new HttpSinkConnector().Validate(config), v => v.Name == named && v.Errors.Count > 0);
    }
}
