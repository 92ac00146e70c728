using System.Collections.Concurrent;
using Platform.Connect.Connectors;

namespace Platform.Connect.Tests.Plugins;

/// <summary>The task of <see cref="CollectingSinkConnector"/>.</summary>
public sealed class CollectingSinkTask : SinkTask
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<SinkRecord>> Received = new();
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Events = new();
    public static readonly ConcurrentDictionary<string, int> PutAttempts = new();
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<long[]>> PutBatches = new();

    private string _id = "";
    private int _retriableFailures;
    private long _failValue;
    private long _reportValue;

    public static ConcurrentQueue<SinkRecord> For(string id) => Received.GetOrAdd(id, _ => new());

    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _id = config["collect.id"];
        _retriableFailures = int.Parse(config.GetValueOrDefault("retriable.failures", "0"));
        _failValue = long.Parse(config.GetValueOrDefault("fail.value", "-1"));
        _reportValue = long.Parse(config.GetValueOrDefault("report.value", "-1"));
        Event("start");
        return Task.CompletedTask;
    }

    public override Task OpenAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        Event("open " + string.Join(",", partitions));
        return Task.CompletedTask;
    }

    public override Task CloseAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        Event("close " + string.Join(",", partitions));
        return Task.CompletedTask;
    }

    public override async Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        var attempt = PutAttempts.AddOrUpdate(_id, 1, (_, n) => n + 1);
        PutBatches.GetOrAdd(_id, _ => new()).Enqueue([.. records.Select(r => r.KafkaOffset)]);
        if (attempt <= _retriableFailures)
        {
            throw new RetriableException($"Put attempt {attempt} fails on purpose");
        }

        foreach (var record in records)
        {
            var n = record.Value is IDictionary<string, object?> map && map.TryGetValue("n", out var v) && v is long l ? l : -2;
            if (n == _failValue)
            {
                throw new InvalidOperationException($"Sink cannot write n={n}");
            }

            if (n == _reportValue)
            {
                await Context.ReportErrantRecordAsync(record, new InvalidOperationException($"Sink rejects n={n}"), cancellationToken);
                continue;
            }

            For(_id).Enqueue(record);
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken = default)
    {
        Event("stop");
        return Task.CompletedTask;
    }

    private void Event(string what) => Events.GetOrAdd(_id, _ => new()).Enqueue(what);
}
