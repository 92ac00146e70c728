using System.Diagnostics;
using Platform.Client;
using Platform.Connect.Connectors;
using Platform.Connect.Errors;
using Platform.Connect.Metrics;
using Platform.Connect.Storage;
using Platform.Connect.Transforms;

namespace Platform.Connect.Runtime;

/// <summary>
/// Runs a <see cref="SourceTask"/>: poll → transforms → converters → producer. At-least-once: each record's
/// <see cref="SourceTask.CommitRecordAsync"/> runs after the broker acknowledged it, and the batch's source offsets
/// are written to the offsets topic once all its records are acknowledged. Exactly-once
/// (<c>exactly.once.support=required</c>): one transaction per poll batch holds the records and their offsets
/// (KIP-618, transactional id <c>GROUP-CONNECTOR-TASK</c>, so a zombie task is fenced); a failure aborts it.
/// </summary>
internal sealed class WorkerSourceTask : WorkerTask
{
    private readonly SourceTask _task;
    private readonly bool _exactlyOnce;
    private readonly TagList _tags;
    private ConverterSet _converters = null!;
    private TransformationChain _chain = TransformationChain.Empty;
    private IProducer<byte[]?, byte[]?>? _producer;

    public WorkerSourceTask(ConnectorTaskId id, IReadOnlyDictionary<string, string> connectorConfig, IReadOnlyDictionary<string, string> taskConfig,
        WorkerServices services, SourceTask task, bool exactlyOnce)
        : base(id, connectorConfig, taskConfig, services)
    {
        _task = task;
        _exactlyOnce = exactlyOnce;
        _tags = ConnectMetrics.Tags(id.Connector, id.Task);
    }

    /// <summary>The transactional id of an exactly-once source task.</summary>
    public static string TransactionalId(string groupId, ConnectorTaskId id) => $"{groupId}-{id.Connector}-{id.Task}";

    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        _converters = ConverterSet.Create(ConnectorConfig, Services.Plugins);
        _chain = TransformationChain.Create(ConnectorConfig, Services.Plugins);
        _producer = BuildProducer();
        if (_exactlyOnce)
        {
            await Errors.RetryAsync(ErrorStage.KafkaProduce, async ct =>
            {
                await _producer.InitTransactionsAsync(ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }

        _task.Initialize(new SourceTaskContext(TaskConfig, Services.Offsets.ReaderFor(Id.Connector), ReportErrantAsync, TimeProvider.System));
        await _task.StartAsync(TaskConfig, cancellationToken).ConfigureAwait(false);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
                var records = await Errors.RetryAsync(ErrorStage.TaskPoll, _task.PollAsync, cancellationToken).ConfigureAwait(false);
                if (records.Count == 0)
                {
                    continue;
                }

                Services.Metrics.SourceRecordsPolled.Add(records.Count, _tags);
                var started = Stopwatch.GetTimestamp();
                if (_exactlyOnce)
                {
                    await SendTransactionAsync(records, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await SendAsync(records, cancellationToken).ConfigureAwait(false);
                }

                Services.Metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _tags);
            }
        }
        finally
        {
            await _task.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private IProducer<byte[]?, byte[]?> BuildProducer()
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = Services.Options.BootstrapServers,
            ["client.id"] = $"connector-producer-{Id}",
            ["acks"] = "all",
            ["enable.idempotence"] = "true",
            ["linger.ms"] = "5",
        };
        foreach (var (key, value) in Services.Options.ProducerOverrides)
        {
            config[key] = value;
        }

        foreach (var (key, value) in ConnectorConfig.Where(kv => kv.Key.StartsWith("producer.override.", StringComparison.Ordinal)))
        {
            config[key["producer.override.".Length..]] = value;
        }

        if (_exactlyOnce)
        {
            config["transactional.id"] = TransactionalId(Services.Options.GroupId, Id);
        }

        return new ProducerBuilder<byte[]?, byte[]?>(config).Build();
    }

    /// <summary>At-least-once: produce the batch, then commit each record and the batch's offsets once acknowledged.</summary>
    private async Task SendAsync(IReadOnlyList<SourceRecord> records, CancellationToken cancellationToken)
    {
        var sends = new List<(SourceRecord Record, Prepared? Message, Task<DeliveryResult<byte[]?, byte[]?>>? Delivery)>(records.Count);
        foreach (var record in records)
        {
            var prepared = await PrepareAsync(record, cancellationToken).ConfigureAwait(false);
            sends.Add((record, prepared, prepared is null ? null : Produce(prepared, cancellationToken)));
        }

        // Nothing more is produced until this batch is acknowledged: its last records go now, not after linger.ms.
        _producer!.SendWaiting();

        var offsets = new BatchOffsets();
        foreach (var (record, prepared, delivery) in sends)
        {
            RecordMetadata? metadata = null;
            if (delivery is not null)
            {
                try
                {
                    var result = await delivery.ConfigureAwait(false);
                    metadata = new RecordMetadata(result.Topic, result.Partition, result.Offset, DateTimeOffset.FromUnixTimeMilliseconds(result.Timestamp.UnixTimestampMs));
                    Services.Metrics.SourceRecordsWritten.Add(1, _tags);
                }
                catch (KafkaException e)
                {
                    if (!await ToleratedAsync(ErrorStage.KafkaProduce, e, record, prepared!, cancellationToken).ConfigureAwait(false))
                    {
                        throw;
                    }
                }
            }

            await _task.CommitRecordAsync(record, metadata, cancellationToken).ConfigureAwait(false);
            offsets.Add(record);
        }

        if (offsets.Count > 0)
        {
            await Errors.RetryAsync(ErrorStage.KafkaProduce, async ct =>
            {
                await Services.Offsets.WriteAsync(Id.Connector, offsets.Values, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }

        await _task.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Exactly-once: the batch and its offsets in one transaction; any failure aborts it and fails the task.</summary>
    private async Task SendTransactionAsync(IReadOnlyList<SourceRecord> records, CancellationToken cancellationToken)
    {
        var producer = _producer!;
        var prepared = new List<(SourceRecord Record, Prepared? Message)>(records.Count);
        foreach (var record in records)
        {
            prepared.Add((record, await PrepareAsync(record, cancellationToken).ConfigureAwait(false)));
        }

        var offsets = new BatchOffsets();
        foreach (var (record, _) in prepared)
        {
            offsets.Add(record);
        }

        producer.BeginTransaction();
        var deliveries = new List<Task<DeliveryResult<byte[]?, byte[]?>>?>(prepared.Count);
        try
        {
            foreach (var (_, message) in prepared)
            {
                deliveries.Add(message is null ? null : Produce(message, cancellationToken));
            }

            var offsetWrites = offsets.Values.Select(o => producer.ProduceAsync(Services.Offsets.Topic, new Message<byte[]?, byte[]?>
            {
                Key = OffsetBackingStore.KeyBytes(Id.Connector, o.Partition),
                Value = OffsetBackingStore.ValueBytes(o.Offset!),
            }, cancellationToken)).ToList();
            producer.SendWaiting();
            await Task.WhenAll(deliveries.OfType<Task<DeliveryResult<byte[]?, byte[]?>>>().Concat(offsetWrites)).ConfigureAwait(false);
            await producer.CommitTransactionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await producer.AbortTransactionAsync(CancellationToken.None).ConfigureAwait(false);
            throw new ConnectException($"Exactly-once batch of task {Id} aborted: {e.Message}", e);
        }

        for (var i = 0; i < prepared.Count; i++)
        {
            RecordMetadata? metadata = null;
            if (deliveries[i] is { } delivery)
            {
                var result = await delivery.ConfigureAwait(false);
                metadata = new RecordMetadata(result.Topic, result.Partition, result.Offset, DateTimeOffset.FromUnixTimeMilliseconds(result.Timestamp.UnixTimestampMs));
                Services.Metrics.SourceRecordsWritten.Add(1, _tags);
            }

            await _task.CommitRecordAsync(prepared[i].Record, metadata, cancellationToken).ConfigureAwait(false);
        }

        await _task.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<DeliveryResult<byte[]?, byte[]?>> Produce(Prepared prepared, CancellationToken cancellationToken)
    {
        var message = new Message<byte[]?, byte[]?> { Key = prepared.Key, Value = prepared.Value, Headers = prepared.Headers };
        if (prepared.Timestamp is { } ts)
        {
            message.Timestamp = new Timestamp(ts.ToUnixTimeMilliseconds(), TimestampType.CreateTime);
        }

        return prepared.Partition is { } partition
            ? _producer!.ProduceAsync(new TopicPartition(prepared.Topic, partition), message, cancellationToken)
            : _producer!.ProduceAsync(prepared.Topic, message, cancellationToken);
    }

    /// <summary>Transforms and converts one record; null when a transformation dropped it or its error was tolerated.</summary>
    private async Task<Prepared?> PrepareAsync(SourceRecord record, CancellationToken cancellationToken)
    {
        ConnectRecord? transformed;
        try
        {
            transformed = _chain.Apply(record);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!await ToleratedAsync(ErrorStage.Transformation, e, record, null, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            return null;
        }

        if (transformed is null)
        {
            return null;
        }

        var stage = ErrorStage.KeyConverter;
        try
        {
            var key = _converters.Key.FromConnectData(transformed.Topic, transformed.KeySchema, transformed.Key);
            stage = ErrorStage.ValueConverter;
            var value = _converters.Value.FromConnectData(transformed.Topic, transformed.ValueSchema, transformed.Value);
            stage = ErrorStage.HeaderConverter;
            var headers = RecordConversion.ToKafkaHeaders(transformed, _converters);
            return new Prepared(transformed.Topic, transformed.KafkaPartition, key, value, headers, transformed.Timestamp);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!await ToleratedAsync(stage, e, transformed, null, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            return null;
        }
    }

    private async Task<bool> ToleratedAsync(ErrorStage stage, Exception error, ConnectRecord record, Prepared? prepared, CancellationToken cancellationToken)
    {
        var context = prepared is not null
            ? new DeadLetterContext(prepared.Topic, prepared.Partition, null, prepared.Key, prepared.Value,
                prepared.Headers?.Select(h => new KeyValuePair<string, byte[]?>(h.Key, h.GetValueBytes())).ToList() ?? [], typeof(SourceTask).FullName)
            : new DeadLetterContext(record.Topic, record.KafkaPartition, null,
                RecordConversion.BestEffortBytes(_converters.Key, record.Topic, record.KeySchema, record.Key),
                RecordConversion.BestEffortBytes(_converters.Value, record.Topic, record.ValueSchema, record.Value),
                [], stage == ErrorStage.Transformation ? typeof(TransformationChain).FullName : stage.ToString());
        return await Errors.TolerateAsync(stage, error, context, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReportErrantAsync(SourceRecord record, Exception error, CancellationToken cancellationToken)
    {
        if (!await ToleratedAsync(ErrorStage.TaskPoll, error, record, null, cancellationToken).ConfigureAwait(false))
        {
            throw new ConnectException($"Tolerance exceeded in error handler (errors.tolerance=none) for a record reported by task {Id}: {error.Message}", error);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        _chain.Dispose();
        if (_producer is not null)
        {
            await _producer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed record Prepared(string Topic, int? Partition, byte[]? Key, byte[]? Value, Headers? Headers, DateTimeOffset? Timestamp);

    /// <summary>
    /// A batch's source offsets: the last record's per source partition. A task gives the records of one partition
    /// the same partition map as a rule (a file's, a table's), so its key (canonical JSON) is made once per run of
    /// such records, not per record.
    /// </summary>
    private sealed class BatchOffsets
    {
        private readonly Dictionary<string, (IReadOnlyDictionary<string, object?> Partition, IReadOnlyDictionary<string, object?>? Offset)> _byPartition = new(StringComparer.Ordinal);
        private IReadOnlyDictionary<string, object?>? _lastPartition;
        private string _lastKey = "";

        public int Count => _byPartition.Count;

        public IEnumerable<(IReadOnlyDictionary<string, object?> Partition, IReadOnlyDictionary<string, object?>? Offset)> Values => _byPartition.Values;

        public void Add(SourceRecord record)
        {
            if (record.SourceOffset.Count == 0 && record.SourcePartition.Count == 0)
            {
                return;
            }

            if (!ReferenceEquals(record.SourcePartition, _lastPartition))
            {
                _lastKey = OffsetBackingStore.PartitionKey(record.SourcePartition);
                _lastPartition = record.SourcePartition;
            }

            _byPartition[_lastKey] = (record.SourcePartition, record.SourceOffset);
        }
    }
}
