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
/// <see cref="ReadToEndAsync"/> waits until everything written before the call has been applied. A read-to-end
/// request wakes the reader out of its wait for records (Kafka's KafkaBasedLog wakes its consumer too), and the end
/// offsets of all partitions come from one ListOffsets (read_committed: the last stable offsets) per leader.
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
    private IAdminClient? _admin;
    private Task? _loop;

    // The reader's wait for records while it has nothing to do; cancelled by a read-to-end request.
    private CancellationTokenSource? _wait;

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
        _admin = new AdminClientBuilder(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = _bootstrap,
            ["client.id"] = $"connect-log-{_topic}",
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
        if (_stop.IsCancellationRequested)
        {
            // Stopped (or stopping, and the stop cancels what it finds queued): nothing will read on.
            done.TrySetCanceled(CancellationToken.None);
            return done.Task;
        }

        // Without this the request waited for the reader's idle wait to run out (a fetch.max.wait.ms): every config
        // write of the REST API and of a connector's start took 100 ms or more.
        if (Interlocked.Exchange(ref _wait, null) is { } wait)
        {
            try
            {
                wait.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The wait had ended: the reader looks at the queue before it waits again.
            }
        }

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
                if (_readToEnd.Count is > 0 and var waiting)
                {
                    // One lookup serves every request queued before it began, and only those: a request queued
                    // during the lookup may be for a write the lookup's ends do not include.
                    var ends = EndOffsets(consumer.Assignment);
                    for (var i = 0; i < waiting && _readToEnd.TryDequeue(out var request); i++)
                    {
                        pending.Add((request, ends));
                    }
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

                foreach (var record in NextRecords(consumer, pending.Count > 0))
                {
                    _apply(record);
                }
            }
            catch (KafkaException e) when (!_stop.IsCancellationRequested)
            {
                _logger.LogReadFailed(e, _topic);
                Thread.Sleep(200);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException && _stop.IsCancellationRequested)
            {
                break;
            }
        }

        foreach (var (done, _) in pending)
        {
            done.TrySetCanceled();
        }
    }

    /// <summary>
    /// The records at hand, waiting for some: 20 ms while a request waits for its end (under read_committed a commit
    /// marker moves the position without a record), else until a record comes, a read-to-end request or the stop.
    /// </summary>
    private IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> NextRecords(IConsumer<byte[]?, byte[]?> consumer, bool pending)
    {
        if (pending)
        {
            return consumer.ConsumeBatch(TimeSpan.FromMilliseconds(20), 500);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        Interlocked.Exchange(ref _wait, wait);

        // A request queued before the wait was published found nothing to cancel: it is looked at now.
        if (!_readToEnd.IsEmpty)
        {
            Interlocked.CompareExchange(ref _wait, null, wait);
            return [];
        }

        try
        {
            var first = consumer.Consume(wait.Token);
            var more = consumer.ConsumeBatch(TimeSpan.Zero, 499);
            return [first, .. more];
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            return [];
        }
        finally
        {
            Interlocked.CompareExchange(ref _wait, null, wait);
        }
    }

    /// <summary>The end (last stable offset) of every partition, in one request per leader.</summary>
    private Dictionary<TopicPartition, long> EndOffsets(List<TopicPartition> partitions)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var listed = _admin!.ListOffsetsAsync(
                partitions.Select(p => new TopicPartitionOffsetSpec(p, OffsetSpec.Latest())),
                new ListOffsetsOptions { IsolationLevel = IsolationLevel.ReadCommitted },
                timeout.Token).GetAwaiter().GetResult();
            return listed.ResultInfos.ToDictionary(r => r.TopicPartition, r => r.Offset);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            throw new KafkaException(new Error(ErrorCode.RequestTimedOut, $"No end offsets of '{_topic}' within 30 s."));
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
        _admin?.Dispose();
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
