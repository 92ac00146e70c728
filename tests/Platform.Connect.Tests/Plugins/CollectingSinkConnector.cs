using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connect.Tests.Plugins;

/// <summary>
/// A real sink plugin for the tests: tasks keep what they are given in <see cref="CollectingSinkTask.Received"/> by
/// <c>collect.id</c>. <c>retriable.failures</c> makes the first puts throw <see cref="RetriableException"/>;
/// <c>fail.value</c> fails the task on a record whose value's "n" equals it; <c>report.value</c> reports such a
/// record as errant instead; <c>put.delay.ms</c> makes each put take that long.
/// </summary>
public sealed class CollectingSinkConnector : SinkConnector
{
    private IReadOnlyDictionary<string, string> _config = new Dictionary<string, string>();

    public override ConfigDef Config { get; } = new ConfigDef()
        .Define("collect.id", ConfigType.String, Importance.High, "Where the records are kept.")
        .Define("retriable.failures", ConfigType.Int, 0, Importance.Low, "Puts that fail with a RetriableException first.")
        .Define("fail.value", ConfigType.Long, -1L, Importance.Low, "Fail on this n.")
        .Define("report.value", ConfigType.Long, -1L, Importance.Low, "Report this n as errant.")
        .Define("put.delay.ms", ConfigType.Int, 0, Importance.Low, "How long each put takes.");

    public override Type TaskType => typeof(CollectingSinkTask);

    public override void Start(IReadOnlyDictionary<string, string> config) => _config = config;

    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
        => [.. Enumerable.Range(0, maxTasks).Select(_ => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(_config))];

    public override void Stop()
    {
    }
}
