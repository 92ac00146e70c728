using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Platform.Streams.Runtime.Metrics;

/// <summary>
/// The instruments of one <see cref="KafkaStreams"/> instance on the <c>Platform.Streams</c> meter (tagged with
/// <c>application.id</c> and <c>client.id</c>), for System.Diagnostics.Metrics listeners such as
/// OpenTelemetry or <c>dotnet-counters</c>: records processed (the process rate), commit latency,
/// consumer lag of the input partitions, and restoration progress.
/// </summary>
internal sealed class StreamsMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Platform.Streams";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<object, Func<long>> _lagSources = new();
    private readonly ConcurrentDictionary<object, Func<long>> _restoreSources = new();

    /// <summary>The instruments of the instance <paramref name="clientId"/> of <paramref name="applicationId"/>.</summary>
    public StreamsMetrics(string applicationId, string clientId)
    {
        _meter = new Meter(new MeterOptions(MeterName)
        {
            Tags = [new("application.id", applicationId), new("client.id", clientId)],
        });
        ProcessedRecords = _meter.CreateCounter<long>("streams.process.records", "{record}", "Records processed by the tasks (its rate is the process rate).");
        CommitLatency = _meter.CreateHistogram<double>("streams.commit.latency", "ms", "How long a commit took: flushing stores, sending, committing offsets (or the transaction).");
        RestoredRecords = _meter.CreateCounter<long>("streams.restore.records", "{record}", "Changelog records written into stores while restoring or keeping standbys warm.");
        _meter.CreateObservableGauge("streams.records.lag", () => _lagSources.Values.Sum(s => s()), "{record}", "Records in the input partitions not yet consumed (high watermark minus position), over all threads.");
        _meter.CreateObservableGauge("streams.restore.remaining", () => _restoreSources.Values.Sum(s => s()), "{record}", "Changelog records still to restore before the restoring tasks can run.");
    }

    /// <summary>Records processed.</summary>
    public Counter<long> ProcessedRecords { get; }

    /// <summary>Commit latency in milliseconds.</summary>
    public Histogram<double> CommitLatency { get; }

    /// <summary>Changelog records restored.</summary>
    public Counter<long> RestoredRecords { get; }

    /// <summary>Adds a thread's lag and restore-remaining readings; <see cref="RemoveSources"/> takes them away.</summary>
    public void AddSources(object owner, Func<long> lag, Func<long> restoreRemaining)
    {
        _lagSources[owner] = lag;
        _restoreSources[owner] = restoreRemaining;
    }

    /// <summary>Removes a thread's readings.</summary>
    public void RemoveSources(object owner)
    {
        _lagSources.TryRemove(owner, out _);
        _restoreSources.TryRemove(owner, out _);
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
