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
        .Define("collect.id", ConfigType.String, Importance.High, "Where the records are kept.")
        .Define("reuse.records", ConfigType.Boolean, false, Importance.Low,
            "Whether the runtime may reuse the records (SinkTask.RecordsMayBeReused): then only what each put read is kept, in Copies.");

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

    /// <summary>With <c>reuse.records</c>: what each put read of its records (offset, key and value documents), and every record object it was given.</summary>
    public static readonly ConcurrentDictionary<string, (ConcurrentQueue<(long Offset, string Key, string Value)> Read, HashSet<SinkRecord> Objects)> Copies = new();

    private string _id = "";
    private bool _reuse;

    public static ConcurrentQueue<(SinkRecord Record, string Document)> For(string id) => Received.GetOrAdd(id, _ => new());

    public static (ConcurrentQueue<(long Offset, string Key, string Value)> Read, HashSet<SinkRecord> Objects) CopiesFor(string id)
        => Copies.GetOrAdd(id, _ => (new(), new(ReferenceEqualityComparer.Instance)));

    public override bool ReadsJsonDocuments => true;

    public override bool RecordsMayBeReused => _reuse;

    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _id = config["collect.id"];
        _reuse = config.TryGetValue("reuse.records", out var reuse) && bool.Parse(reuse);
        return Task.CompletedTask;
    }

    public override Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            if (_reuse)
            {
                var (read, objects) = CopiesFor(_id);
                read.Enqueue((record.KafkaOffset, Document(record.Key), Document(record.Value)));
                lock (objects)
                {
                    objects.Add(record);
                }

                continue;
            }

            For(_id).Enqueue((record, Document(record.Value)));
        }

        return Task.CompletedTask;
    }

    private static string Document(object? value) => value is IJsonObjectSource source && source.TryGetUtf8(out var utf8) ? Encoding.UTF8.GetString(utf8) : "";

    public override Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
