using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;
using Platform.Storage;

namespace Platform.Broker.Handlers;

/// <summary>
/// Produce: validates each partition's batches (CRC, magic, size), then appends them whole, as
/// received; offsets are assigned by rewriting base offsets in place. acks=0 gets no response.
/// Batches of idempotent producers are checked by the log against the producer state: a retry is
/// answered with its original base offset, refusals with Kafka's errors (OUT_OF_ORDER_SEQUENCE_NUMBER,
/// INVALID_PRODUCER_EPOCH, DUPLICATE_SEQUENCE_NUMBER).
/// acks=all on a partition with write.caching=false is answered once the batch is fsynced: the handler
/// awaits the partition's group commit without holding a thread, and every partition of the request
/// is appended before the first wait, so their fsyncs overlap. acks=1 is answered after the write.
/// </summary>
public sealed partial class ProduceHandler(TopicManager topics, Transactions.TransactionCoordinator transactions, LeaderGuard leaders, ILogger<ProduceHandler> logger) : ApiHandler<ProduceRequest, ProduceResponse>
{
    public override ApiKey ApiKey => ApiKey.Produce;

    // v0-2 are advertised because librdkafka before 2.11 enables features only when the range
    // includes them; they carry message format v0/v1, which the validator answers with
    // UNSUPPORTED_FOR_MESSAGE_FORMAT.
    public override short MinVersion => 0;

    public override short MaxVersion => 11;

    // Every append happens before the first wait (for the fsync or the ISR), which is all that is left.
    public override bool Pipelined => true;

    public override async ValueTask<ProduceResponse?> HandleAsync(RequestContext context, ProduceRequest request, CancellationToken cancellationToken)
    {
        var pending = request.Acks == -1 ? new List<(Task Durable, ProduceResponse.PartitionProduceResponse Result)>() : null;
        var ackError = request.Acks is -1 or 0 or 1 ? ErrorCode.None : ErrorCode.InvalidRequiredAcks;
        var response = new ProduceResponse { Responses = new(request.TopicData.Count) };
        foreach (var topicData in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topicData.Name, PartitionResponses = new(topicData.PartitionData.Count) };
            response.Responses.Add(topicResponse);
            var refused = TopicResult.Ok;
            var topic = ackError == ErrorCode.None ? topics.GetOrAutoCreate(topicData.Name, allowAutoCreate: true, out refused) : null;
            foreach (var partitionData in topicData.PartitionData)
            {
                var result = new ProduceResponse.PartitionProduceResponse { Index = partitionData.Index, BaseOffset = -1 };
                topicResponse.PartitionResponses.Add(result);
                if (ackError != ErrorCode.None || refused.Error != ErrorCode.None)
                {
                    result.ErrorCode = (short)(ackError != ErrorCode.None ? ackError : refused.Error);
                    result.ErrorMessage = refused.Message;
                    continue;
                }

                Append(topicData.Name, topic?.GetPartition(partitionData.Index), partitionData.Records as MemoryRecords, result, pending, request.Acks);
            }
        }

        foreach (var (durable, result) in pending ?? [])
        {
            try
            {
                await durable.ConfigureAwait(false);
            }
            catch (LogException e)
            {
                // Written but not durable, and never visible (the log is offline, and a restart recovers only what
                // reached the disk), or not on the whole ISR: leadership moved, or the ISR shrank below min.insync.replicas.
                result.ErrorCode = (short)e.ErrorCode;
                result.ErrorMessage = e.Message;
                result.BaseOffset = -1;
            }
            catch (ObjectDisposedException)
            {
                result.ErrorCode = (short)ErrorCode.NotLeaderOrFollower;
                result.BaseOffset = -1;
            }
        }

        return request.Acks == 0 ? null : response;
    }

    private void Append(string topicName, Partition? partition, MemoryRecords? records, ProduceResponse.PartitionProduceResponse result, List<(Task Durable, ProduceResponse.PartitionProduceResponse Result)>? pending, short acks)
    {
        if (leaders.Check(topicName, result.Index, partition) is not ErrorCode.None and var notLeader)
        {
            result.ErrorCode = (short)notLeader;
            return;
        }

        if (partition is null)
        {
            result.ErrorCode = (short)(TopicNames.Validate(topicName) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException);
            return;
        }

        // acks=all is refused before the append when the ISR is too small to keep it.
        var replicas = acks == -1 ? partition.CheckEnoughReplicas() : ErrorCode.None;
        if (replicas != ErrorCode.None)
        {
            result.ErrorCode = (short)replicas;
            result.ErrorMessage = replicas == ErrorCode.NotEnoughReplicas
                ? $"The ISR of {topicName}-{partition.Index} has {partition.Role.Isr.Count} replicas, fewer than min.insync.replicas {partition.Log.Config.MinInSyncReplicas}."
                : null;
            return;
        }

        if (records is null)
        {
            result.ErrorCode = (short)ErrorCode.InvalidRecord;
            result.ErrorMessage = "The produce request carried no records.";
            return;
        }

        var validation = RecordBatchValidator.Validate(records.Data.Span, partition.Topic.Config.MaxMessageBytes, out _, out _);
        if (validation != ErrorCode.None)
        {
            result.ErrorCode = (short)validation;
            result.ErrorMessage = validation.ToKafkaName();
            return;
        }

        // Kafka takes exactly one batch per partition from clients (Produce v3+): with more, an idempotent
        // retry among them would answer for all while the others were never written.
        var (batches, control) = CountBatches(records.Data.Span);
        if (batches != 1 || control)
        {
            result.ErrorCode = (short)ErrorCode.InvalidRecord;
            result.ErrorMessage = control
                ? "Clients may not produce control batches."
                : $"A produce request must carry exactly one record batch per partition; partition {partition.Index} of '{topicName}' carried {batches}.";
            return;
        }

        try
        {
            // The frame buffer belongs to this request, so offsets can be written into it in place.
            var data = MemoryMarshal.AsMemory(records.Data);
            var header = data.Span;
            LogAppendInfo? appended = null;
            if (RecordBatchHeader.IsTransactional(header))
            {
                // Only into a partition of the producer's open transaction, and never past its marker.
                var error = transactions.AppendTransactional(RecordBatchHeader.ProducerId(header), RecordBatchHeader.ProducerEpoch(header), topicName, partition.Index, () => appended = Complete(partition, data, result));
                if (error != ErrorCode.None)
                {
                    result.ErrorCode = (short)error;
                    result.ErrorMessage = error.ToKafkaName();
                }
            }
            else
            {
                appended = Complete(partition, data, result);
            }

            // Waited for outside the transaction's gate, after every partition of the request is appended.
            if (appended is { } info && pending is not null && partition.WhenAcknowledgeable(info) is { IsCompletedSuccessfully: false } durable)
            {
                pending.Add((durable, result));
            }
        }
        catch (LogException e)
        {
            // The log says once, when it goes offline, why it is; every produce after that would only repeat it.
            if (e is StorageException && !partition.IsOffline)
            {
                LogStorageError(e, topicName, partition.Index);
            }
            else if (e.ErrorCode == ErrorCode.OutOfOrderSequenceNumber)
            {
                // An idempotent producer and this leader disagree on what the log holds: never expected, and the producer
                // cannot go on with the partition, so the broker says why (Kafka logs it as an error, too).
                LogOutOfOrderSequence(topicName, partition.Index, e.Message);
            }

            result.ErrorCode = (short)e.ErrorCode;
            result.ErrorMessage = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Answered for this partition alone: the request's other partitions keep their own results, so a
            // retry does not write again what was already appended elsewhere.
            LogUnexpectedError(e, topicName, partition.Index);
            result.ErrorCode = (short)ErrorCode.UnknownServerError;
            result.ErrorMessage = e.Message;
        }
    }

    private static LogAppendInfo Complete(Partition partition, Memory<byte> data, ProduceResponse.PartitionProduceResponse result)
    {
        var info = partition.Append(data);
        result.BaseOffset = info.FirstOffset;
        result.LogAppendTimeMs = info.LogAppendTime;
        result.LogStartOffset = partition.LogStartOffset;
        return info;
    }

    private static (int Batches, bool Control) CountBatches(ReadOnlySpan<byte> records)
    {
        var count = 0;
        var control = false;
        var batches = new RecordBatchEnumerator(records);
        while (batches.MoveNext())
        {
            count++;
            control |= RecordBatchHeader.IsControl(batches.Current);
        }

        return (count, control);
    }

    public override ProduceResponse ErrorResponse(RequestContext context, ProduceRequest request, ErrorCode error)
        => new()
        {
            Responses = request.TopicData.Select(t => new ProduceResponse.TopicProduceResponse
            {
                Name = t.Name,
                PartitionResponses = t.PartitionData.Select(p => new ProduceResponse.PartitionProduceResponse { Index = p.Index, ErrorCode = (short)error, BaseOffset = -1 }).ToList(),
            }).ToList(),
        };

    [LoggerMessage(EventId = 1300, Level = LogLevel.Error, Message = "Append to {Topic}-{Partition} failed")]
    private partial void LogStorageError(Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Error, Message = "Produce to {Topic}-{Partition} failed unexpectedly")]
    private partial void LogUnexpectedError(Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Produce to {Topic}-{Partition} refused with OUT_OF_ORDER_SEQUENCE_NUMBER: {Problem}")]
    private partial void LogOutOfOrderSequence(string topic, int partition, string problem);
}
