using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Connect.Metrics;

/// <summary>
/// The runtime's instruments on the <c>Platform.Connect</c> meter (System.Diagnostics.Metrics), tagged with
/// <c>connector</c> and <c>task</c>: records polled, written and put, batch latency, errors, dead-letter records and sink lag.
/// </summary>
public sealed class ConnectMetrics : IDisposable
{
    /// <summary>The meter's name, for listeners and exporters.</summary>
    public const string MeterName = "Platform.Connect";

    private readonly Meter _meter;
    private readonly Dictionary<(string, int), long> _lag = [];
    private readonly Lock _lock = new();

    /// <summary>Creates the instruments.</summary>
    public ConnectMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        SourceRecordsPolled = _meter.CreateCounter<long>("connect.source.records.polled", "{record}", "Records returned by source tasks' polls.");
        SourceRecordsWritten = _meter.CreateCounter<long>("connect.source.records.written", "{record}", "Source records acknowledged by the broker.");
        SinkRecordsRead = _meter.CreateCounter<long>("connect.sink.records.read", "{record}", "Records consumed by sink tasks.");
        SinkRecordsPut = _meter.CreateCounter<long>("connect.sink.records.put", "{record}", "Records handed to sink tasks' put.");
        BatchDuration = _meter.CreateHistogram<double>("connect.batch.duration", "ms", "Time to process one poll or put batch.");
        Errors = _meter.CreateCounter<long>("connect.errors", "{error}", "Record errors (tolerated or not) and task failures.");
        DeadLetterRecords = _meter.CreateCounter<long>("connect.deadletterqueue.records", "{record}", "Records written to dead-letter topics.");
        _meter.CreateObservableGauge("connect.sink.lag", ObserveLag, "{record}", "Records between a sink task's position and the end of its partitions.");
    }

    /// <summary>Records polled from source tasks.</summary>
    public Counter<long> SourceRecordsPolled { get; }

    /// <summary>Source records acknowledged by the broker.</summary>
    public Counter<long> SourceRecordsWritten { get; }

    /// <summary>Records consumed for sink tasks.</summary>
    public Counter<long> SinkRecordsRead { get; }

    /// <summary>Records put into sink tasks.</summary>
    public Counter<long> SinkRecordsPut { get; }

    /// <summary>Batch latency in milliseconds.</summary>
    public Histogram<double> BatchDuration { get; }

    /// <summary>Errors.</summary>
    public Counter<long> Errors { get; }

    /// <summary>Records sent to a dead-letter topic.</summary>
    public Counter<long> DeadLetterRecords { get; }

    /// <summary>Sets a sink task's current lag (sum over its partitions).</summary>
    public void SetLag(string connector, int task, long lag)
    {
        lock (_lock)
        {
            _lag[(connector, task)] = lag;
        }
    }

    /// <summary>Forgets a stopped task's lag.</summary>
    public void RemoveLag(string connector, int task)
    {
        lock (_lock)
        {
            _lag.Remove((connector, task));
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        lock (_lock)
        {
            return [.. _lag.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("connector", kv.Key.Item1), new KeyValuePair<string, object?>("task", kv.Key.Item2)))];
        }
    }

    /// <summary>Tags for a task's measurements.</summary>
    public static TagList Tags(string connector, int task) => new() { { "connector", connector }, { "task", task } };

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
