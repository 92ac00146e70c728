using System.Text;
using System.Text.Json.Nodes;

namespace Platform.Connect.Tests.EndToEnd;

/// <summary>Kafka Connect REST calls against a worker, as curl would make them.</summary>
internal sealed class ConnectRestClient(string url) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromSeconds(30) };

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, content.Length == 0 ? null : JsonNode.Parse(content));
    }

    public Task<(int Status, JsonNode? Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    /// <summary>POST /connectors; asserts 201.</summary>
    public async Task CreateAsync(string name, IReadOnlyDictionary<string, string> config)
    {
        var body = new JsonObject { ["name"] = name, ["config"] = new JsonObject(config.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) };
        var (status, answer) = await SendAsync(HttpMethod.Post, "connectors", body);
        Assert.True(status == 201, $"POST /connectors {name}: {status} {answer?.ToJsonString()}");
    }

    /// <summary>Polls GET /connectors/{name}/status until <paramref name="accept"/> holds.</summary>
    public async Task<JsonNode> WaitForStatusAsync(string connector, Func<JsonNode, bool> accept, TimeSpan? deadline = null)
    {
        var end = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(60));
        JsonNode? last = null;
        while (DateTime.UtcNow < end)
        {
            var (status, body) = await GetAsync($"connectors/{connector}/status");
            if (status == 200 && body is not null)
            {
                last = body;
                if (accept(body))
                {
                    return body;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Status of {connector} never matched; last: {last?.ToJsonString()}");
    }

    /// <summary>Waits until the connector and its <paramref name="tasks"/> tasks are RUNNING (on <paramref name="workerId"/> when given).</summary>
    public Task<JsonNode> WaitForRunningAsync(string connector, int tasks = 1, string? workerId = null, TimeSpan? deadline = null)
        => WaitForStatusAsync(connector, s => s["connector"]?["state"]?.GetValue<string>() == "RUNNING"
            && s["tasks"]!.AsArray().Count == tasks
            && s["tasks"]!.AsArray().All(t => t?["state"]?.GetValue<string>() == "RUNNING" && (workerId is null || t["worker_id"]?.GetValue<string>() == workerId)), deadline);

    public void Dispose() => _http.Dispose();
}
