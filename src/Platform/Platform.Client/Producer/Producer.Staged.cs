namespace Platform.Client.Producer;

internal sealed partial class Producer<TKey, TValue>
{
    /// <summary>
    /// Appends <paramref name="records"/> in order, as many <c>Produce</c> calls would, for a caller that collects its
    /// records before handing them over (Streams' stream thread): the transaction state and the producer's life are
    /// checked once for all of them, and their reports come per run of records (<see cref="IRunDeliveryHandler"/>).
    /// A record refused before it was appended goes to its handler's <see cref="IRunDeliveryHandler.OnNotSent"/>
    /// and the others are appended still, in order: records of one partition keep the order they had here.
    /// </summary>
    /// <exception cref="KafkaException">The transaction does not accept records (fenced, or none begun): none was appended.</exception>
    /// <exception cref="ObjectDisposedException">The producer is disposed: none was appended.</exception>
    public void ProduceStaged(ReadOnlySpan<StagedRecord<TKey, TValue>> records)
    {
        if (records.IsEmpty)
        {
            return;
        }

        _transactions?.EnsureCanProduce();
        EnterProduce();
        try
        {
            foreach (ref readonly var record in records)
            {
                try
                {
                    ArgumentException.ThrowIfNullOrEmpty(record.Topic);
                    ArgumentNullException.ThrowIfNull(record.Message);
                    var message = _interceptors.Length == 0 ? record.Message : Intercept(record.Topic, record.Message);
                    AppendRecord(
                        Queues(record.Topic),
                        record.Partition < 0 ? -1 : record.Partition,
                        message,
                        record.Handler,
                        null,
                        ProducerSettings.BlockFromFirstWait,
                        mayBlock: true,
                        CancellationToken.None);
                }
                catch (Exception ex)
                {
                    NotSent(record, ex);
                }
            }
        }
        finally
        {
            ExitProduce();
        }
    }

    /// <summary>Tells a record's handler it was not appended; the handler's own failure goes to the error handler, so the records after it still are.</summary>
    private void NotSent(in StagedRecord<TKey, TValue> record, Exception error)
    {
        try
        {
            record.Handler.OnNotSent(record.Topic, record.Partition, record.Message, error);
        }
        catch (Exception ex)
        {
            ReportError(new Error(Platform.Protocol.ErrorCode.UnknownServerError, $"A delivery handler threw: {ex.Message}"));
        }
    }

    /// <summary>
    /// Reports the run of records from <paramref name="first"/> on that share <paramref name="run"/> as their handler
    /// in one call (after the interceptors saw each one); returns the index of the run's last record.
    /// </summary>
    private int DeliverRun(IRunDeliveryHandler run, ProducerBatch batch, int first, long baseOffset, long logAppendTime, Error? error, PersistenceStatus status)
    {
        var slots = batch.Slots;
        var end = first + 1;
        while (end < slots.Length && ReferenceEquals(slots[end].Handler, run))
        {
            end++;
        }

        var topic = batch.Queue.Topic;
        var partition = batch.Queue.Partition;
        var delivered = error is null && baseOffset >= 0;
        if (_interceptors.Length > 0)
        {
            for (var i = first; i < end; i++)
            {
                ref readonly var slot = ref slots[i];
                Acknowledged(new DeliveryReport<TKey, TValue>
                {
                    Topic = topic,
                    Partition = partition,
                    Offset = delivered ? baseOffset + i : -1,
                    Timestamp = logAppendTime >= 0
                        ? new Timestamp(logAppendTime, TimestampType.LogAppendTime)
                        : new Timestamp(slot.Timestamp, TimestampType.CreateTime),
                    Status = status,
                    Message = (Message<TKey, TValue>)slot.Message!,
                    Error = error ?? Error.NoError,
                });
            }
        }

        try
        {
            run.OnDelivered(topic, partition, delivered ? baseOffset + first : -1, error ?? Error.NoError, slots[first..end]);
        }
        catch (Exception ex)
        {
            ReportError(new Error(Platform.Protocol.ErrorCode.UnknownServerError, $"A delivery handler threw: {ex.Message}"));
        }

        return end - 1;
    }
}
