using System.Diagnostics.Metrics;

namespace Platform.Streams.Tests.Windows;

/// <summary>Sums the <c>dropped-records</c> counter of one application (tests run in parallel, each with its own application id).</summary>
internal sealed class DroppedRecordsListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _applicationId;
    private long _total;

    public DroppedRecordsListener(string applicationId)
    {
        _applicationId = applicationId;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Platform.Streams" && instrument.Name == "dropped-records")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "application-id" && (string?)tag.Value == _applicationId)
            {
                Interlocked.Add(ref _total, value);
            }
        }
    }
}
