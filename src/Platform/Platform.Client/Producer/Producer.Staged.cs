using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Producer;

internal sealed partial class Producer<TKey, TValue>
{
    /// <summary>
    /// Appends <paramref name="records"/>, serialized already, in order, as many <c>Produce</c> calls would, for a caller
    /// that collects its records before handing them over (Streams' stream thread): the transaction state and the
    /// producer's life are checked once for all of them, and their reports come per run of records
    /// (<see cref="IRunDeliveryHandler"/>). A record refused before it was appended goes to its handler's
    /// <see cref="IRunDeliveryHandler.OnNotSent"/> and the others are appended still, in order: records of one partition
    /// keep the order they had here. The caller may reuse the records' bytes once this returns.
    /// </summary>
    /// <exception cref="KafkaException">The transaction does not accept records (fenced, or none begun): none was appended.</exception>
    /// <exception cref="ObjectDisposedException">The producer is disposed: none was appended.</exception>
    /// <exception cref="InvalidOperationException">The producer has interceptors, which see messages: none was appended.</exception>
    public void ProduceStaged(ReadOnlySpan<StagedRecord> records)
    {
        if (records.IsEmpty)
        {
            return;
        }

        if (_interceptors.Length > 0)
        {
            throw new InvalidOperationException("Serialized records cannot be produced through interceptors, which take messages.");
        }

        _transactions?.EnsureCanProduce();
        EnterProduce();
        try
        {
            foreach (ref readonly var record in records)
            {
                try
                {
                    AppendStaged(record);
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

    /// <summary>Partitions and appends one staged record, waiting for buffer memory if need be.</summary>
    private void AppendStaged(in StagedRecord staged)
    {
        ArgumentException.ThrowIfNullOrEmpty(staged.Topic);
        var queues = Queues(staged.Topic);
        var topic = queues.Topic;
        var deadline = ProducerSettings.BlockFromFirstWait;
        var info = Topic(queues, ref deadline, CancellationToken.None);
        var record = new SerializedRecord(staged.Timestamp, staged.Key, staged.KeyIsNull, staged.Value, staged.ValueIsNull, staged.Headers, staged.Handler, staged.Tag);
        ThrowIfTooLarge(record, topic, staged.Partition, null);
        var key = staged.KeyIsNull ? SerializedPart.Null : new SerializedPart(staged.Bytes, staged.Offset, staged.KeyLength);
        var partition = ChoosePartition(topic, staged.Partition < 0 ? -1 : staged.Partition, queues, info, key, null, out var sticky);
        while (true)
        {
            StickyStint? stint = null;
            if (sticky)
            {
                stint = queues.Stint(info);
                partition = stint.Partition;
            }

            if (_accumulator.Append(queues, partition, record, stint, deadline, CancellationToken.None))
            {
                return;
            }
        }
    }

    /// <summary>Tells a record's handler it was not appended; the handler's own failure goes to the error handler, so the records after it still are.</summary>
    private void NotSent(in StagedRecord record, Exception error)
    {
        try
        {
            record.Handler.OnNotSent(record, error);
        }
        catch (Exception ex)
        {
            ReportError(new Error(Platform.Protocol.ErrorCode.UnknownServerError, $"A delivery handler threw: {ex.Message}"));
        }
    }

    /// <summary>
    /// Reports the run of records from <paramref name="first"/> on that share <paramref name="run"/> as their handler
    /// in one call (staged records have no interceptors); returns the index of the run's last record.
    /// </summary>
    private int DeliverRun(IRunDeliveryHandler run, ProducerBatch batch, int first, long baseOffset, Error? error)
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
        try
        {
            run.OnDelivered(topic, partition, delivered ? baseOffset + first : -1, error ?? Error.NoError, slots[first..end], new RunContents(batch, first, end - first));
        }
        catch (Exception ex)
        {
            ReportError(new Error(Platform.Protocol.ErrorCode.UnknownServerError, $"A delivery handler threw: {ex.Message}"));
        }

        return end - 1;
    }
}
