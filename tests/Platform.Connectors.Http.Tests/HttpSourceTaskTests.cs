using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connectors.Http.Source;
using Platform.Connectors.Http.Tests.Support;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Http.Tests;

public sealed class HttpSourceTaskTests : IAsyncLifetime
{
    private readonly HttpClient _client = new();
    private readonly int _port = FreePort.Next();
    private SourceTaskDriver? _driver;

    private string Url => $"http://127.0.0.1:{_port}/ingest";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_driver is not null)
        {
            await _driver.DisposeAsync();
        }

        _client.Dispose();
    }

    private async Task<SourceTaskDriver> StartAsync(params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string>
        {
            ["http.listen"] = $"127.0.0.1:{_port}",
            ["http.path"] = "/ingest",
            ["topic"] = "events",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        _driver = await SourceTaskDriver.StartAsync(new HttpSourceTask(), config);
        return _driver;
    }

    private Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/json", string? token = null, string? url = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url ?? Url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return _client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Post_JsonObject_Answers200OnlyAfterTheBrokerAcknowledged()
    {
        var driver = await StartAsync();

        var response = PostAsync("{\"id\":1,\"name\":\"a\"}");
        var records = await driver.PollAsync(1);
        var record = Assert.Single(records);
        Assert.Equal("events", record.Topic);
        Assert.Equal(1L, ((IDictionary<string, object?>)record.Value!)["id"]);

        // Polled but not acknowledged: no answer yet.
        await Task.Delay(300);
        Assert.False(response.IsCompleted);

        await driver.AcknowledgeAsync(records);
        var answer = await response;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(1, (await JsonAsync(answer)).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Post_JsonArray_OneRecordPerElementAnd200AfterAll()
    {
        var driver = await StartAsync();

        var response = PostAsync("[{\"id\":1},{\"id\":2},{\"id\":3}]");
        var records = await driver.PollAsync(3);
        Assert.Equal([1L, 2L, 3L], records.Select(r => ((IDictionary<string, object?>)r.Value!)["id"]));
        await driver.AcknowledgeAsync(records.Take(2));
        await Task.Delay(200);
        Assert.False(response.IsCompleted);

        await driver.AcknowledgeAsync(records.Skip(2));
        Assert.Equal(HttpStatusCode.OK, (await response).StatusCode);
    }

    [Fact]
    public async Task Post_DroppedRecord_StillAnswersWithTheDroppedCount()
    {
        var driver = await StartAsync();

        var response = PostAsync("[1,2]");
        var records = await driver.PollAsync(2);
        await driver.Task.CommitRecordAsync(records[0], null);
        await driver.AcknowledgeAsync(records.Skip(1));

        var body = await JsonAsync(await response);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("dropped").GetInt32());
    }

    [Theory]
    [InlineData("application/x-ndjson", "{\"a\":1}\n\n{\"a\":2}\n")]
    [InlineData("text/plain", "line one\r\nline two\n")]
    public async Task Post_NewlineDelimitedBodies_OneRecordPerLine(string contentType, string body)
    {
        var driver = await StartAsync();

        var response = PostAsync(body, contentType);
        var records = await driver.PollAndAcknowledgeAsync(2);

        Assert.Equal(HttpStatusCode.OK, (await response).StatusCode);
        if (contentType == "text/plain")
        {
            Assert.Equal(["line one", "line two"], records.Select(r => (string)r.Value!));
        }
        else
        {
            Assert.Equal([1L, 2L], records.Select(r => ((IDictionary<string, object?>)r.Value!)["a"]));
        }
    }

    [Theory]
    [InlineData("application/json", "{\"id\":", HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("application/json", "42", HttpStatusCode.BadRequest, "object or array")]
    [InlineData("application/x-ndjson", "{\"a\":1}\nnope\n", HttpStatusCode.BadRequest, "line 2")]
    [InlineData("application/xml", "<a/>", HttpStatusCode.UnsupportedMediaType, "application/xml")]
    public async Task Post_MalformedBody_Answers4xxWithAMessage(string contentType, string body, HttpStatusCode status, string message)
    {
        var driver = await StartAsync();

        var response = await PostAsync(body, contentType);

        Assert.Equal(status, response.StatusCode);
        var error = await JsonAsync(response);
        Assert.Equal((int)status, error.GetProperty("error_code").GetInt32());
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Empty(await driver.PollForAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Post_AuthTokenSet_RequiresTheBearerToken()
    {
        var driver = await StartAsync(("http.auth.token", "s3cret"));

        var missing = await PostAsync("{}");
        var wrong = await PostAsync("{}", token: "guess");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);

        var right = PostAsync("{}", token: "s3cret");
        await driver.PollAndAcknowledgeAsync(1);
        Assert.Equal(HttpStatusCode.OK, (await right).StatusCode);
    }

    [Fact]
    public async Task Post_TooManyPendingRequests_Answers429WithRetryAfter()
    {
        var driver = await StartAsync(("http.max.pending.requests", "1"));
        var first = PostAsync("{\"n\":1}");
        var records = await driver.PollAsync(1);

        var second = await PostAsync("{\"n\":2}");

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
        await driver.AcknowledgeAsync(records);
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
    }

    [Fact]
    public async Task Post_TooManyQueuedRecords_Answers503WithRetryAfter()
    {
        var driver = await StartAsync(("http.max.queued.records", "2"));
        var first = PostAsync("[1,2]");

        // Nothing is polled, so once the first request's records are queued every further request is refused.
        HttpResponseMessage? refused = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (refused is null && DateTime.UtcNow < deadline)
        {
            // An attempt that came first is accepted and waits for its acknowledgement: give up on it client-side.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent("[3]", Encoding.UTF8, "application/json") };
                var attempt = await _client.SendAsync(request, patience.Token);
                if (attempt.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    refused = attempt;
                }
            }
            catch (TaskCanceledException)
            {
            }
        }

        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter);
        await driver.AcknowledgeAsync(await driver.PollForAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
    }

    [Fact]
    public async Task Stop_WithPendingRequest_Answers503()
    {
        var driver = await StartAsync();
        var pending = PostAsync("{\"n\":1}");
        await driver.PollAsync(1);

        await driver.Task.StopAsync();
        _driver = null;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await pending).StatusCode);
    }

    [Fact]
    public async Task Request_WrongPathOrMethod_Answers404Or405()
    {
        await StartAsync();

        var wrongPath = await PostAsync("{}", url: $"http://127.0.0.1:{_port}/other");
        var get = await _client.GetAsync(Url);

        Assert.Equal(HttpStatusCode.NotFound, wrongPath.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Theory]
    [InlineData("http.listen", "nowhere", "http.listen")]
    [InlineData("http.listen", "127.0.0.1:99999", "http.listen")]
    [InlineData("topic", null, "topic")]
    [InlineData("http.path", "ingest", "http.path")]
    [InlineData("http.max.pending.requests", "0", "http.max.pending.requests")]
    public async Task Start_BadConfig_ThrowsNamingTheKey(string key, string? value, string named)
    {
        var config = new Dictionary<string, string> { ["http.listen"] = $"127.0.0.1:{_port}", ["topic"] = "events" };
        if (value is null)
        {
            config.Remove(key);
        }
        else
        {
            config[key] = value;
        }

        var error = await Assert.ThrowsAsync<ConfigException>(() => new HttpSourceTask().StartAsync(config));
        Assert.Contains($"'{named}'", error.Message);
        Assert.Contains(new HttpSourceConnector().Validate(config), v => v.Name == named && v.Errors.Count > 0);
    }

    [Fact]
    public async Task Start_PortInUse_FailsNamingTheListenKey()
    {
        await StartAsync();

        var error = await Assert.ThrowsAsync<ConnectException>(() => new HttpSourceTask().StartAsync(
            new Dictionary<string, string> { ["http.listen"] = $"127.0.0.1:{_port}", ["topic"] = "events" }));
        Assert.Contains("http.listen", error.Message);
    }
}
