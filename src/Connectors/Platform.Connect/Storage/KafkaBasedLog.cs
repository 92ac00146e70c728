using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Connect.Runtime;
using Platform.Protocol;

namespace Platform.Connect.Storage;

/// <summary>
/// A compacted topic read from the beginning into memory and appended to, as Kafka's KafkaBasedLog: the backing of
/// the configs, offsets and status stores. One thread owns the consumer (read_committed, so offsets written in
/// aborted exactly-once transactions are never seen) and hands every record to the store's callback in order;
/// <see cref="ReadToEndAsync"/> waits until everything written before the call has been applied.
/// </summary>
public sealed class KafkaBasedLog : IAsyncDisposable
{
    private readonly string _topic;
    private readonly string _bootstrap;
    private readonly Action<ConsumeResult<byte[]?, byte[]?>> _apply;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<TaskCompletionSource> _readToEnd = new();
    private readonly CancellationTokenSource _stop = new();
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private IProducer<byte[]?, byte[]?>? _producer;
    private Task? _loop;

    /// <summary>A log over <paramref name="topic"/> whose records go to <paramref name="apply"/> on the reader thread.</summary>
    public KafkaBasedLog(string topic, string bootstrapServers, Action<ConsumeResult<byte[]?, byte[]?>> apply, ILogger logger)
    {
        _topic = topic;
        _bootstrap = bootstrapServers;
        _apply = apply;
        _logger = logger;
    }

    /// <summary>The topic.</summary>
    public string Topic => _topic;

    /// <summary>Creates the topic (compacted) when missing, reads it to the end and keeps following it.</summary>
    public async Task StartAsync(int partitions, short replicationFactor, CancellationToken cancellationToken = default)
    {
        var counts = await EnsureTopicAsync(_bootstrap, _topic, partitions, replicationFactor, cancellationToken).ConfigureAwait(false);
        _producer = new ProducerBuilder<byte[]?, byte[]?>(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = _bootstrap,
            ["client.id"] = $"connect-log-{_topic}",
            ["acks"] = "all",
            ["enable.idempotence"] = "true",
            ["linger.ms"] = "0",
        }).Build();
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = _bootstrap,
            ["client.id"] = $"connect-log-{_topic}",
            ["isolation.level"] = "read_committed",
            ["enable.auto.commit"] = "false",
            ["fetch.max.wait.ms"] = "100",
        }).Build();
        _consumer.Assign(Enumerable.Range(0, counts).Select(p => new TopicPartitionOffset(_topic, p, Offset.Beginning)));
        _loop = Task.Factory.StartNew(ReadLoop, TaskCreationOptions.LongRunning);
        await ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends a record and waits for the broker's acknowledgement.</summary>
    public async Task SendAsync(byte[] key, byte[]? value, CancellationToken cancellationToken = default)
    {
        var producer = _producer ?? throw new InvalidOperationException($"The log of '{_topic}' is not started.");
        await producer.ProduceAsync(_topic, new Message<byte[]?, byte[]?> { Key = key, Value = value }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes once every record written before the call has been applied.</summary>
    public Task ReadToEndAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _readToEnd.Enqueue(done);
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Creates <paramref name="topic"/> (compacted unless told otherwise) when it does not exist; returns its partition count.</summary>
    public static async Task<int> EnsureTopicAsync(string bootstrap, string topic, int partitions, short replicationFactor, CancellationToken cancellationToken, bool compact = true)
    {
        using var admin = new AdminClientBuilder(new Dictionary<string, string> { ["bootstrap.servers"] = bootstrap }).Build();
        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification
                {
                    Name = topic,
                    NumPartitions = partitions,
                    ReplicationFactor = replicationFactor,
                    Configs = compact ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null,
                }],
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => !r.Error.IsError || r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            // Another worker (or an earlier run) created it.
        }

        for (var attempt = 0; ; attempt++)
        {
            var metadata = await admin.GetMetadataAsync([topic], cancellationToken).ConfigureAwait(false);
            var described = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
            if (described is { Partitions.Count: > 0 } && !described.Error.IsError)
            {
                return described.Partitions.Count;
            }

            if (attempt > 100)
            {
                throw new ConnectException($"Topic '{topic}' did not become available: {described?.Error}.");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private void ReadLoop()
    {
        var consumer = _consumer!;
        var pending = new List<(TaskCompletionSource Done, Dictionary<TopicPartition, long> Ends)>();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                // Taken off the queue only once its end offsets are known: a failed lookup (a leader moving) is retried, not lost.
                while (_readToEnd.TryPeek(out var request))
                {
                    var ends = consumer.Assignment.ToDictionary(tp => tp, tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(30)).High.Value);
                    _readToEnd.TryDequeue(out _);
                    pending.Add((request, ends));
                }

                if (pending.Count > 0)
                {
                    pending.RemoveAll(p =>
                    {
                        if (p.Ends.All(e => Position(consumer, e.Key) >= e.Value))
                        {
                            p.Done.TrySetResult();
                            return true;
                        }

                        return false;
                    });
                }

                foreach (var record in consumer.ConsumeBatch(TimeSpan.FromMilliseconds(pending.Count > 0 ? 20 : 100), 500))
                {
                    _apply(record);
                }
            }
            catch (KafkaException e) when (!_stop.IsCancellationRequested)
            {
                _logger.LogReadFailed(e, _topic);
                Thread.Sleep(200);
            }
            catch (ObjectDisposedException) when (_stop.IsCancellationRequested)
            {
                break;
            }
        }

        foreach (var (done, _) in pending)
        {
            done.TrySetCanceled();
        }
    }

    private static long Position(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition)
    {
        var position = consumer.Position(partition);
        return position.IsSpecial ? -1 : position.Value;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _consumer?.Close();
        _consumer?.Dispose();
        if (_producer is not null)
        {
            await _producer.DisposeAsync().ConfigureAwait(false);
        }

        while (_readToEnd.TryDequeue(out var request))
        {
            request.TrySetCanceled();
        }

        _stop.Dispose();
    }
}
