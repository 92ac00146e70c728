using System.Collections.Concurrent;
using Platform.Connect.Connectors;

namespace Platform.Connect.Tests.Plugins;

/// <summary>The task of <see cref="CountingSourceConnector"/>.</summary>
public sealed class CountingSourceTask : SourceTask
{
    /// <summary>Records whose CommitRecordAsync ran, by topic, with their metadata (null: dropped or tolerated).</summary>
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<(long N, RecordMetadata? Metadata)>> Committed = new();

    private string _topic = "";
    private int _records;
    private int _batch;
    private int _failAt;
    private int _poisonAt;
    private int _badTopicAt;
    private int _task;
    private long _next;

    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _topic = config["topic"];
        _records = int.Parse(config.GetValueOrDefault("records", "10"));
        _batch = int.Parse(config.GetValueOrDefault("batch", "5"));
        _failAt = int.Parse(config.GetValueOrDefault("fail.at", "-1"));
        _poisonAt = int.Parse(config.GetValueOrDefault("poison.at", "-1"));
        _badTopicAt = int.Parse(config.GetValueOrDefault("bad.topic.at", "-1"));
        _task = int.Parse(config["task.index"]);
        var offset = Context.OffsetStorageReader.Offset(Partition());
        _next = offset?["position"] is long position ? position + 1 : 0;
        return Task.CompletedTask;
    }

    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        if (_next >= _records)
        {
            await Task.Delay(50, cancellationToken);
            return [];
        }

        var records = new List<SourceRecord>();
        while (records.Count < _batch && _next < _records)
        {
            var n = _next++;
            if (n == _failAt)
            {
                throw new InvalidOperationException($"Counting source failed at {n} on purpose");
            }

            object value = n == _poisonAt
                ? new Data.Struct(Data.SchemaBuilder.Struct().Field("x", Data.Schema.Int32Schema).Build())
                : new Dictionary<string, object?> { ["n"] = n, ["task"] = (long)_task };
            var topic = n == _badTopicAt ? "bad topic name!" : _topic;
            records.Add(new SourceRecord(Partition(), new Dictionary<string, object?> { ["position"] = n }, topic, null, null, $"k{n}", null, value));
        }

        return records;
    }

    public override Task CommitRecordAsync(SourceRecord record, RecordMetadata? metadata, CancellationToken cancellationToken = default)
    {
        Committed.GetOrAdd(_topic, _ => new()).Enqueue(((long)record.SourceOffset["position"]!, metadata));
        return Task.CompletedTask;
    }

    public override Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private Dictionary<string, object?> Partition() => new() { ["counter"] = (long)_task };
}
