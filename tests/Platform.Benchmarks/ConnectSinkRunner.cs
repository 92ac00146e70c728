using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Client;
using Platform.Connect.Hosting;
using Platform.Connect.Metrics;
using Platform.Connect.Runtime;

namespace Platform.Benchmarks;

/// <summary>
/// Our broker as its own process (as deployed: its allocations and GCs are not the worker's) and a Connect worker in
/// this process, for the sink benchmark: topics are filled before a connector starts, and a
/// run is timed from the first record the sink task reads (the <c>connect.sink.records.read</c> counter) until put
/// has returned for every record (<c>connect.sink.records.put</c>; the PostgreSQL sink's put returns after its commit).
/// So the time includes the consumer's fetches, the converter and the runtime's loop, but not the producer's.
/// </summary>
internal sealed class ConnectSinkRunner : IAsyncDisposable
{
    private readonly string _root;
    private readonly BrokerProcess _broker;
    private readonly IHost _host;
    private readonly HttpClient _rest;
    private readonly MeterListener _listener = new();
    private readonly object _gate = new();
    private Run? _run;

    private ConnectSinkRunner(string root, BrokerProcess broker, IHost host)
    {
        _root = root;
        _broker = broker;
        _host = host;
        _rest = new HttpClient { BaseAddress = new Uri(host.Services.GetRequiredService<ConnectWorker>().RestUrl! + "/") };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ConnectMetrics.MeterName && instrument.Name is "connect.sink.records.read" or "connect.sink.records.put")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Starts the broker (<paramref name="executable"/>, the <c>platform</c> host) and the worker.</summary>
    public static async Task<ConnectSinkRunner> StartAsync(string executable)
    {
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "connect-sink-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var broker = await BrokerProcess.StartAsync(executable, Path.Combine(root, "broker"), """{ "Broker": { "group.initial.rebalance.delay.ms": 0 } }""");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Services.AddPlatformConnect(o =>
        {
            o.BootstrapServers = broker.Bootstrap;
            o.GroupId = "bench-connect-sink";
            o.RestListen = "127.0.0.1:0";
            o.OffsetStoragePartitions = 1;
            o.StatusStoragePartitions = 1;
        });
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<ConnectWorker>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        return new ConnectSinkRunner(root, broker, host);
    }

    /// <summary>The broker process's id (for its CPU time).</summary>
    public int BrokerPid => _broker.Pid;

    /// <summary>How many batches the task was given in the last run (the runtime's polls).</summary>
    public int LastBatches { get; private set; }

    /// <summary>Writes <paramref name="messages"/> (key, value) to a new one-partition topic and waits for the broker's acknowledgements.</summary>
    public void Fill(string topic, IEnumerable<(byte[] Key, byte[] Value)> messages)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = _broker.Bootstrap,
            LingerMs = 5,
            BatchSize = 256 * 1024,
        }).Build();
        foreach (var (key, value) in messages)
        {
            producer.Produce(topic, new Message<byte[], byte[]> { Key = key, Value = value });
        }

        producer.Flush(TimeSpan.FromMinutes(5));
    }

    /// <summary>Creates connector <paramref name="name"/>, waits until it has put <paramref name="records"/> records, deletes it; returns the seconds from its first record read.</summary>
    public async Task<double> RunAsync(string name, int records, IReadOnlyDictionary<string, string> config)
    {
        var run = new Run(name, records);
        lock (_gate)
        {
            _run = run;
        }

        using (var response = await _rest.PostAsJsonAsync("connectors", new { name, config }))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /connectors {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        // Status is read only while waiting, once a second, so it costs the run nothing measurable.
        var deadline = Stopwatch.GetTimestamp() + (10 * 60 * Stopwatch.Frequency);
        while (!run.Done.Task.IsCompleted)
        {
            using (var status = await _rest.GetAsync($"connectors/{name}/status"))
            {
                var body = await status.Content.ReadAsStringAsync();
                if (body.Contains("FAILED", StringComparison.Ordinal) || Stopwatch.GetTimestamp() > deadline)
                {
                    throw new InvalidOperationException($"Connector {name} failed or stalled after {run.Put} records: {body}");
                }
            }

            await Task.WhenAny(run.Done.Task, Task.Delay(1000));
        }

        var finished = await run.Done.Task;

        (await _rest.DeleteAsync($"connectors/{name}")).EnsureSuccessStatusCode();
        LastBatches = run.Batches;
        return Stopwatch.GetElapsedTime(run.Started, finished).TotalSeconds;
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var run = _run;
        if (run is null || !IsOf(run.Name, tags))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (instrument.Name == "connect.sink.records.read")
            {
                if (run.Started == 0)
                {
                    run.Started = now;
                }

                run.Batches++;

                return;
            }

            run.Put += value;
            if (run.Put >= run.Records)
            {
                run.Done.TrySetResult(now);
            }
        }
    }

    private static bool IsOf(string connector, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "connector")
            {
                return connector.Equals(tag.Value as string, StringComparison.Ordinal);
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        _rest.Dispose();
        await _host.StopAsync();
        _host.Dispose();

        // The broker writes its checkpoints when it stops: delete its directory only after.
        await _broker.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>One timed connector run.</summary>
    private sealed class Run(string name, int records)
    {
        public string Name { get; } = name;

        public int Records { get; } = records;

        public long Started { get; set; }

        public long Put { get; set; }

        public int Batches { get; set; }

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
