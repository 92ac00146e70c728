using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.Hosting;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>The interactive-query HTTP endpoint over real Kestrel (loopback, port 0) and a KafkaStreams on the embedded broker.</summary>
public sealed class QueryEndpointIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        await _cluster.CreateTopicAsync("iq-words", 2);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static Topology Counts(string input = "iq-words")
    {
        var builder = new StreamsBuilder();
        var grouped = builder.Stream(input, Consumed.With(Serdes.String, Serdes.String)).GroupByKey();
        grouped.Count(Materialized.As<string, long>("counts"));
        grouped.WindowedBy(TimeWindows.OfSizeWithNoGrace(TimeSpan.FromHours(1))).Count(Materialized.As<string, long>("wcounts"));
        grouped.WindowedBy(SessionWindows.OfInactivityGapWithNoGrace(TimeSpan.FromHours(1))).Count(Materialized.As<string, long>("scounts"));
        return builder.Build();
    }

    private StreamsConfig Config(string application, string server = "localhost:7070")
    {
        var config = _cluster.Config(application, _cluster.NewStateDir());
        config["application.server"] = server;
        return config;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task ProduceAndWaitAsync(KafkaStreams streams)
    {
        streams.Start();
        await _cluster.ProduceAsync("iq-words", ("a", "x"), ("a", "x"), ("b", "x"));
        await StreamsTestCluster.WaitUntilAsync(
            () => streams.State == KafkaStreamsState.Running
                && streams.Store<IReadOnlyKeyValueStore<string, long>>("counts").Get("a") == 2
                && streams.Store<IReadOnlyKeyValueStore<string, long>>("counts").Get("b") == 1,
            "counts a=2, b=1");
    }

    [Fact]
    public async Task MapStreamsQueries_StoresOfEachKind_ServeJsonAndNameWhatIsWrong()
    {
        using var streams = new KafkaStreams(Counts(), Config("iq-http"), _logging);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapStreamsQueries(streams, "/iq");
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        await ProduceAndWaitAsync(streams);

        var (status, body) = await GetAsync(client, "/iq/stores/counts/keys/a");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("value").GetInt64());

        (_, body) = await GetAsync(client, "/iq/stores/counts/all");
        Assert.Equal([("a", 2L), ("b", 1L)], body.EnumerateArray().Select(e => (e.GetProperty("key").GetString()!, e.GetProperty("value").GetInt64())).OrderBy(e => e.Item1, StringComparer.Ordinal));

        (_, body) = await GetAsync(client, "/iq/stores/counts/range?from=b&to=b");
        Assert.Equal(["b"], body.EnumerateArray().Select(e => e.GetProperty("key").GetString()));

        (status, body) = await GetAsync(client, "/iq/stores/wcounts/windows/a");
        Assert.Equal(HttpStatusCode.OK, status);
        var windows = body.EnumerateArray().ToList();
        Assert.Equal(2, windows.Sum(w => w.GetProperty("value").GetInt64()));
        Assert.All(windows, w => Assert.Equal(3_600_000, w.GetProperty("end").GetInt64() - w.GetProperty("start").GetInt64()));

        (_, body) = await GetAsync(client, "/iq/stores/scounts/sessions/a");
        var session = Assert.Single(body.EnumerateArray());
        Assert.Equal(2, session.GetProperty("value").GetInt64());

        (status, body) = await GetAsync(client, "/iq/metadata/counts/a");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("localhost:7070", body.GetProperty("activeHost").GetString());
        Assert.Equal(DefaultPartitioner.Partition("a"u8, 2), body.GetProperty("partition").GetInt32());

        (status, body) = await GetAsync(client, "/iq/stores/nope/keys/a");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("'nope'", body.GetProperty("error").GetString());

        (status, body) = await GetAsync(client, "/iq/stores/counts/keys/zzz");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("'zzz'", body.GetProperty("error").GetString());

        (status, body) = await GetAsync(client, "/iq/stores/wcounts/windows/a?from=soon");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'from'", body.GetProperty("error").GetString());

        (status, body) = await GetAsync(client, "/iq/stores/counts/windows/a");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'counts'", body.GetProperty("error").GetString());

        streams.Close();
        await app.StopAsync();
    }

    [Fact]
    public async Task Metadata_InstanceWithoutTheStoresTask_AnswersForTheWholeApplication()
    {
        // One input partition, two instances: one runs the task, the other none, yet both know who hosts what.
        await _cluster.CreateTopicAsync("iq-one", 1);
        using var first = new KafkaStreams(Counts("iq-one"), Config("iq-meta", "localhost:7070"), _logging);
        using var second = new KafkaStreams(Counts("iq-one"), Config("iq-meta", "localhost:7071"), _logging);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapStreamsQueries(first, "/first");
        app.MapStreamsQueries(second, "/second");
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        first.Start();
        second.Start();
        static bool Runs(KafkaStreams s) => s.MetadataForLocalThreads().Any(t => t.ActiveTasks.Count > 0);
        static bool KnowsBoth(KafkaStreams s) => s.MetadataForAllStreamsClients().Count == 2 && s.StreamsMetadataForStore("counts").Count == 1;
        await StreamsTestCluster.WaitUntilAsync(
            () => first.State == KafkaStreamsState.Running && second.State == KafkaStreamsState.Running && Runs(first) != Runs(second) && KnowsBoth(first) && KnowsBoth(second),
            "one instance running the task, both knowing the assignment");
        var (idle, activeHost) = Runs(first) ? ("/second", "localhost:7070") : ("/first", "localhost:7071");

        var (status, body) = await GetAsync(client, idle + "/metadata/counts/a");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(activeHost, body.GetProperty("activeHost").GetString());
        Assert.Equal(0, body.GetProperty("partition").GetInt32());

        (status, body) = await GetAsync(client, idle + "/metadata/counts");
        Assert.Equal(HttpStatusCode.OK, status);
        var host = Assert.Single(body.EnumerateArray());
        Assert.Equal(activeHost, host.GetProperty("host").GetString());
        Assert.Equal(["counts", "scounts", "wcounts"], host.GetProperty("stores").EnumerateArray().Select(e => e.GetString()));
        var partition = Assert.Single(host.GetProperty("partitions").EnumerateArray());
        Assert.Equal("iq-one", partition.GetProperty("topic").GetString());

        (_, body) = await GetAsync(client, idle + "/metadata");
        Assert.Equal(["localhost:7070", "localhost:7071"], body.EnumerateArray().Select(e => e.GetProperty("host").GetString()));

        (status, _) = await GetAsync(client, idle + "/metadata/nope");
        Assert.Equal(HttpStatusCode.NotFound, status);

        // The data itself is only served where it lives.
        (status, _) = await GetAsync(client, idle + "/stores/counts/keys/a");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);

        first.Close();
        second.Close();
        await app.StopAsync();
    }

    [Fact]
    public async Task AddStreamsQueryServer_HostStarts_ServesTheHostedInstance()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:application.id"] = "iq-hosted",
            ["Streams:bootstrap.servers"] = _cluster.BootstrapServers,
            ["Streams:state.dir"] = _cluster.NewStateDir(),
            ["Streams:commit.interval.ms"] = "100",
            ["Streams:consumer.fetch.max.wait.ms"] = "50",
        });
        builder.Services.AddStreams(Counts()).AddStreamsQueryServer("http://127.0.0.1:0", "/q");
        using var host = builder.Build();
        await host.StartAsync();
        var server = host.Services.GetServices<IHostedService>().OfType<StreamsQueryServer>().Single();
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.First()) };
        await _cluster.ProduceAsync("iq-words", ("a", "x"), ("a", "x"), ("b", "x"));

        await StreamsTestCluster.WaitUntilAsync(() => GetAsync(client, "/q/stores/counts/keys/a").Result is { Status: HttpStatusCode.OK } r && r.Body.GetProperty("value").GetInt64() == 2, "a=2 over HTTP");

        await host.StopAsync();
    }
}
