using System.Globalization;
using Microsoft.AspNetCore.Http;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connectors.Http.Poll;
using Platform.Connectors.Http.Tests.Support;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Http.Tests;

public sealed class HttpPollSourceTaskTests
{
    private static Dictionary<string, string> Config(string url, params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string> { ["http.url"] = url, ["topic"] = "api", ["poll.interval.ms"] = "50" };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private static long Id(SourceRecord record) => (long)((IDictionary<string, object?>)record.Value!)["id"]!;

    /// <summary>An API with items 1..count, pages of two by ?offset=.</summary>
    private static Task<TestHttpServer> OffsetApiAsync(Func<int> count)
        => TestHttpServer.StartAsync(async (context, _) =>
        {
            var offset = int.Parse(context.Request.Query["offset"].ToString(), CultureInfo.InvariantCulture);
            var items = Enumerable.Range(offset + 1, Math.Max(0, Math.Min(2, count() - offset))).Select(i => $"{{\"id\":{i}}}");
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($"{{\"data\":{{\"items\":[{string.Join(",", items)}]}}}}");
        });

    /// <summary>An API of three pages chained by cursors: "" → b → c → end.</summary>
    private static Task<TestHttpServer> CursorApiAsync()
        => TestHttpServer.StartAsync(async (context, _) =>
        {
            var page = context.Request.Query["after"].ToString() switch
            {
                "" => "{\"items\":[{\"id\":1},{\"id\":2}],\"meta\":{\"next\":\"b\"}}",
                "b" => "{\"items\":[{\"id\":3},{\"id\":4}],\"meta\":{\"next\":\"c\"}}",
                _ => "{\"items\":[{\"id\":5}],\"meta\":{\"next\":null}}",
            };
            await context.Response.WriteAsync(page);
        });

    [Fact]
    public async Task Poll_OffsetPagination_FollowsPagesThenWaitsForTheSchedule()
    {
        var count = 5;
        await using var api = await OffsetApiAsync(() => count);
        await using var driver = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(),
            Config($"{api.Url}/items?offset=${{offset}}", ("http.pagination.mode", "offset"), ("http.response.records.path", "data.items")));

        var records = await driver.PollAsync(5);
        Assert.Equal([1L, 2, 3, 4, 5], records.Select(Id));
        Assert.Equal(5L, records[^1].SourceOffset["offset"]);

        Assert.Empty(await driver.Task.PollAsync(default));
        Assert.Equal(0, driver.Context.Waits);
        Assert.Empty(await driver.Task.PollAsync(default));
        Assert.Equal(1, driver.Context.Waits);

        count = 6;
        var more = await driver.PollAsync(1);
        Assert.Equal([6L], more.Select(Id));
    }

    [Fact]
    public async Task Restart_OffsetPagination_ResumesAfterTheLastAcknowledgedRecord()
    {
        await using var api = await OffsetApiAsync(() => 5);
        var config = Config($"{api.Url}/items?offset=${{offset}}", ("http.pagination.mode", "offset"), ("http.response.records.path", "data.items"));
        var offsets = new TestOffsetStore();
        var first = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(), config, offsets);
        var records = await first.PollAsync(4);
        await first.AcknowledgeAsync(records.Take(3));
        await first.DisposeAsync();

        await using var second = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(), config, offsets);
        Assert.Equal([4L, 5], (await second.PollAsync(2)).Select(Id));
        Assert.Contains(api.Requests, r => r.PathAndQuery == "/items?offset=3");
    }

    [Fact]
    public async Task Poll_CursorPagination_FollowsCursorsUntilNone()
    {
        await using var api = await CursorApiAsync();
        await using var driver = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(),
            Config($"{api.Url}/feed?after=${{cursor}}", ("http.pagination.mode", "cursor"), ("http.response.records.path", "items"),
                ("http.response.cursor.path", "meta.next")));

        var records = await driver.PollAsync(5);

        Assert.Equal([1L, 2, 3, 4, 5], records.Select(Id));
        Assert.Empty(await driver.PollForAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Restart_CursorPaginationMidPage_RefetchesThePageAndSkipsWhatWasTaken()
    {
        await using var api = await CursorApiAsync();
        var config = Config($"{api.Url}/feed?after=${{cursor}}", ("http.pagination.mode", "cursor"), ("http.response.records.path", "items"),
            ("http.response.cursor.path", "meta.next"));
        var offsets = new TestOffsetStore();
        var first = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(), config, offsets);
        var records = await first.PollAsync(4);
        await first.AcknowledgeAsync(records.Take(3));
        await first.DisposeAsync();

        await using var second = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(), config, offsets);
        var rest = await second.PollAsync(2);

        Assert.Equal([4L, 5], rest.Select(Id));
    }

    [Fact]
    public async Task Poll_HeadersKeyPathAndCron_AreApplied()
    {
        await using var api = await TestHttpServer.StartAsync((context, _) => context.Response.WriteAsync("[{\"id\":7,\"user\":{\"name\":\"ada\"}}]"));
        await using var driver = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(),
            Config($"{api.Url}/all", ("http.headers", "Authorization:Bearer abc|X-Trace:a,b"), ("http.record.key.path", "user.name"),
                ("poll.cron", "0/5 * * * * ?")));

        var records = await driver.PollAsync(2);

        Assert.Equal("ada", records[0].Key);
        var request = api.Requests.First();
        Assert.Equal("Bearer abc", request.Headers["Authorization"]);
        Assert.Equal("a,b", request.Headers["X-Trace"]);
        Assert.Equal("0/5 * * * * ?", driver.Context.LastCron);
    }

    [Fact]
    public async Task Poll_ServerError_ThrowsRetriable()
    {
        await using var api = await TestHttpServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 503;
            return context.Response.WriteAsync("busy");
        });
        await using var driver = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(), Config($"{api.Url}/x"));

        var error = await Assert.ThrowsAsync<RetriableException>(() => driver.Task.PollAsync(default));
        Assert.Contains("503", error.Message);
    }

    [Fact]
    public async Task Poll_Unreachable_ThrowsRetriable()
    {
        await using var driver = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(), Config($"http://127.0.0.1:{FreePort.Next()}/x"));

        await Assert.ThrowsAsync<RetriableException>(() => driver.Task.PollAsync(default));
    }

    [Fact]
    public async Task Poll_ClientError_FailsWithTheStatus()
    {
        await using var api = await TestHttpServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 404;
            return context.Response.WriteAsync("no such feed");
        });
        await using var driver = await SourceTaskDriver.StartAsync(new HttpPollSourceTask(), Config($"{api.Url}/x"));

        var error = await Assert.ThrowsAsync<ConnectException>(() => driver.Task.PollAsync(default));
        Assert.IsNotType<RetriableException>(error);
        Assert.Contains("404: no such feed", error.Message);
    }

    [Theory]
    [InlineData("http.url", "ftp://x/y", "http.url")]
    [InlineData("http.pagination.mode", "cursor", "http.response.cursor.path")]
    [InlineData("http.pagination.mode", "page", "http.pagination.mode")]
    [InlineData("http.headers", "NoColon", "http.headers")]
    [InlineData("topic", null, "topic")]
    public async Task Start_BadConfig_ThrowsNamingTheKey(string key, string? value, string named)
    {
        var config = Config("http://127.0.0.1:1/x");
        if (value is null)
        {
            config.Remove(key);
        }
        else
        {
            config[key] = value;
        }

        var error = await Assert.ThrowsAsync<ConfigException>(() => new HttpPollSourceTask().StartAsync(config));
        Assert.Contains($"'{named}'", error.Message);
        Assert.Contains(new HttpPollSourceConnector().Validate(config), v => v.Name == named && v.Errors.Count > 0);
    }
}
