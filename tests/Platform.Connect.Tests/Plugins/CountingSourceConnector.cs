using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connect.Tests.Plugins;

/// <summary>
/// A real source plugin for the tests: each task counts from its stored offset to <c>records</c>, in polls of
/// <c>batch</c>, values <c>{"n": i, "task": t}</c> keyed "k{i}", source partition <c>{"counter": TASK}</c>.
/// <c>fail.at</c> throws a non-retriable error when reaching that number; <c>poison.at</c> emits a value the JSON
/// converter cannot write; <c>bad.topic.at</c> sends that record to an invalid topic name.
/// </summary>
public sealed class CountingSourceConnector : SourceConnector
{
    private IReadOnlyDictionary<string, string> _config = new Dictionary<string, string>();

    public override ConfigDef Config { get; } = new ConfigDef()
        .Define("topic", ConfigType.String, Importance.High, "Topic to write.")
        .Define("records", ConfigType.Int, 10, Importance.High, "How many records each task writes.")
        .Define("batch", ConfigType.Int, 5, Importance.Low, "Records per poll.")
        .Define("fail.at", ConfigType.Int, -1, Importance.Low, "Fail the task at this number.")
        .Define("poison.at", ConfigType.Int, -1, Importance.Low, "Emit an unconvertible value at this number.")
        .Define("bad.topic.at", ConfigType.Int, -1, Importance.Low, "Send this number to an invalid topic.");

    public override Type TaskType => typeof(CountingSourceTask);

    public override ExactlyOnceSupport ExactlyOnceSupport(IReadOnlyDictionary<string, string> config) => Connectors.ExactlyOnceSupport.Supported;

    public override void Start(IReadOnlyDictionary<string, string> config) => _config = config;

    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
        => [.. Enumerable.Range(0, maxTasks).Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(_config) { ["task.index"] = i.ToString() })];

    public override void Stop()
    {
    }
}
