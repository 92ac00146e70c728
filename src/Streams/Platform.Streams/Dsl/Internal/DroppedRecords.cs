using System.Diagnostics.Metrics;
using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Kafka Streams' task-level <c>dropped-records</c> metric as a System.Diagnostics.Metrics counter on the
/// <c>Platform.Streams</c> meter, tagged with the application and task: windowed operators add to it for
/// records that arrive after their window closed (end + grace) and for records they cannot aggregate.
/// </summary>
internal static class DroppedRecords
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Platform.Streams";

    /// <summary>The counter's name, as Kafka's metric.</summary>
    public const string InstrumentName = "dropped-records";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Counter = Meter.CreateCounter<long>(InstrumentName, "{record}", "Records dropped by a task: late for their window (past end + grace), or without key or value.");

    /// <summary>Counts one dropped record of the task <paramref name="context"/> belongs to.</summary>
    public static void Record<TKey, TValue>(IProcessorContext<TKey, TValue> context) => Counter.Add(
        1,
        new KeyValuePair<string, object?>("application-id", context.ApplicationId),
        new KeyValuePair<string, object?>("task-id", context.TaskId.ToString()));
}
