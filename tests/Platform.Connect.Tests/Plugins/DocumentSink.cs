using System.Collections.Concurrent;
using System.Text;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Data;

namespace Platform.Connect.Tests.Plugins;

/// <summary>
/// A sink that reads the JSON converter's documents itself (<see cref="SinkTask.ReadsJsonDocuments"/>): each put keeps
/// the records and their documents' text in <see cref="DocumentSinkTask.Received"/> by <c>collect.id</c>, without
/// decoding the maps.
/// </summary>
public sealed class DocumentSinkConnector : SinkConnector
{
    private IReadOnlyDictionary<string, string> _config = new Dictionary<string, string>();

    public override ConfigDef Config { get; } = new ConfigDef()
        .Define("collect.id", ConfigType.String, Importance.High, "Where the records are kept.");

    public override Type TaskType => typeof(DocumentSinkTask);

    public override void Start(IReadOnlyDictionary<string, string> config) => _config = config;

    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
        => [.. Enumerable.Range(0, maxTasks).Select(_ => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(_config))];

    public override void Stop()
    {
    }
}

/// <summary>The task of <see cref="DocumentSinkConnector"/>.</summary>
public sealed class DocumentSinkTask : SinkTask
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<(SinkRecord Record, string Document)>> Received = new();

    private string _id = "";

    public static ConcurrentQueue<(SinkRecord Record, string Document)> For(string id) => Received.GetOrAdd(id, _ => new());

    public override bool ReadsJsonDocuments => true;

    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _id = config["collect.id"];
        return Task.CompletedTask;
    }

    public override Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            var document = record.Value is IJsonObjectSource source && source.TryGetUtf8(out var utf8) ? Encoding.UTF8.GetString(utf8) : "";
            For(_id).Enqueue((record, document));
        }

        return Task.CompletedTask;
    }

    public override Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
