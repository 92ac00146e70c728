using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Processors.Internal;

/// <summary>What the runtime (or the test driver) gives a task: configuration, where output goes, the thread's cache and clock.</summary>
/// <param name="Config">The application's configuration.</param>
/// <param name="Collector">Where sink, changelog and dead-letter records go.</param>
/// <param name="Cache">The stream thread's record cache.</param>
/// <param name="Clock">Wall-clock time.</param>
/// <param name="Logger">The task's logger.</param>
/// <param name="GlobalStores">The instance's global stores, readable by every processor.</param>
internal sealed record TaskEnvironment(
    StreamsConfig Config,
    IRecordCollector Collector,
    ThreadCache? Cache,
    IClock Clock,
    ILogger Logger,
    IReadOnlyDictionary<string, IStateStore> GlobalStores)
{
    /// <summary>
    /// The consumer's lag of an input partition as its last fetch answer says (null: unknown, no answer yet),
    /// which <c>max.task.idle.ms</c> consults for an empty partition; null where there is no consumer (the test
    /// driver), where every partition counts as caught up.
    /// </summary>
    public Func<TopicPartition, long?>? FetchedLag { get; init; }

    /// <summary>
    /// The combiner tables of the thread the tasks run on, shared by its tasks (<see cref="CombinerTables"/>); tasks made
    /// with one environment (the test driver's) share its own.
    /// </summary>
    public CombinerTables Combiners { get; init; } = new();

    /// <summary>The directory of a task's persistent stores: <c>state.dir/application.id/taskId</c>.</summary>
    public string TaskDirectory(string applicationId, TaskId taskId) => Path.Combine(Config.StateDir, applicationId, taskId.ToString());
}
