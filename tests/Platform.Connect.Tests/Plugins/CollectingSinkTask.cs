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

    /// <summary>Calls the runtime made to a task while a put of that task was in progress (it must make none).</summary>
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> CallsDuringPut = new();

    private string _id = "";
    private int _retriableFailures;
    private long _failValue;
    private long _reportValue;
    private int _putDelayMs;
    private int _putting;

    public static ConcurrentQueue<SinkRecord> For(string id) => Received.GetOrAdd(id, _ => new());

    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _id = config["collect.id"];
        _retriableFailures = int.Parse(config.GetValueOrDefault("retriable.failures", "0"));
        _failValue = long.Parse(config.GetValueOrDefault("fail.value", "-1"));
        _reportValue = long.Parse(config.GetValueOrDefault("report.value", "-1"));
        _putDelayMs = int.Parse(config.GetValueOrDefault("put.delay.ms", "0"));
        Event("start");
        return Task.CompletedTask;
    }

    public override Task OpenAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        CheckNoPut("open");
        Event("open " + string.Join(",", partitions));
        return Task.CompletedTask;
    }

    public override Task CloseAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        CheckNoPut("close");
        Event("close " + string.Join(",", partitions));
        return Task.CompletedTask;
    }

    public override async Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        CheckNoPut("put");
        Interlocked.Increment(ref _putting);
        try
        {
            await PutRecordsAsync(records, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _putting);
        }
    }

    public override Task<IReadOnlyDictionary<TopicPartitionRef, long>> PreCommitAsync(IReadOnlyDictionary<TopicPartitionRef, long> currentOffsets, CancellationToken cancellationToken = default)
    {
        CheckNoPut("precommit");
        return base.PreCommitAsync(currentOffsets, cancellationToken);
    }

    private async Task PutRecordsAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        if (_putDelayMs > 0)
        {
            await Task.Delay(_putDelayMs, cancellationToken);
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
        CheckNoPut("stop");
        Event("stop");
        return Task.CompletedTask;
    }

    private void CheckNoPut(string call)
    {
        if (Volatile.Read(ref _putting) > 0)
        {
            CallsDuringPut.GetOrAdd(_id, _ => new()).Enqueue(call);
        }
    }

    private void Event(string what) => Events.GetOrAdd(_id, _ => new()).Enqueue(what);
}
