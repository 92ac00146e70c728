using System.Collections.Concurrent;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Producer;

/// <summary>
/// Kafka's RecordAccumulator: per-partition queues of batches filled up to <c>batch.size</c>, memory
/// bounded by <c>buffer.memory</c>. Producing threads append (waiting for memory up to
/// <c>max.block.ms</c>: blocking for <c>Produce</c>, asynchronously for <c>ProduceAsync</c>); the
/// sender drains ready batches. Batches and their buffers are pooled.
/// </summary>
internal sealed class RecordAccumulator
{
    private readonly ProducerSettings _settings;
    private readonly ConcurrentDictionary<string, TopicQueues> _topics = new(StringComparer.Ordinal);
    private readonly Lock _poolLock = new();
    private readonly Stack<ProducerBatch> _pool = new();
    private readonly Action<PartitionQueue> _onQueueCreated;
    private readonly Action _wakeSender;
    private PartitionQueue[] _all = [];
    private TopicQueues[] _topicList = [];

    // Records reported, per batch. Records appended are counted per partition under its lock (PartitionQueue.Appended):
    // an atomic counter shared with the sender cost more per record than the rest of the append.
    private long _released;

    public RecordAccumulator(ProducerSettings settings, Action wakeSender)
    {
        _settings = settings;
        _wakeSender = wakeSender;
        Memory = new BufferMemory(settings.BufferMemory);
        _onQueueCreated = queue =>
        {
            lock (_poolLock)
            {
                _all = [.. _all, queue];
            }
        };
    }

    public BufferMemory Memory { get; }

    /// <summary>Every partition queue, for the sender's scans.</summary>
    public PartitionQueue[] Queues => Volatile.Read(ref _all);

    /// <summary>Records appended and not yet reported.</summary>
    /// <remarks>
    /// Reported is read before appended: every record reported by then was appended by then, so the difference
    /// is never below the records incomplete at that moment, and 0 means none were.
    /// </remarks>
    public long IncompleteRecords
    {
        get
        {
            var released = Volatile.Read(ref _released);
            var appended = 0L;
            foreach (var queue in Queues)
            {
                appended += Volatile.Read(ref queue.Appended);
            }

            return appended - released;
        }
    }

    /// <summary>Every topic produced to, for the sender's load statistics.</summary>
    public TopicQueues[] Topics => Volatile.Read(ref _topicList);

    public TopicQueues GetTopic(string topic)
    {
        if (_topics.TryGetValue(topic, out var queues))
        {
            return queues;
        }

        lock (_poolLock)
        {
            if (!_topics.TryGetValue(topic, out queues))
            {
                queues = new TopicQueues(topic);
                _topics[topic] = queues;
                Volatile.Write(ref _topicList, [.. _topicList, queues]);
            }

            return queues;
        }
    }

    /// <summary>
    /// Appends a record to its partition's last batch, or to a new batch once memory for it is
    /// reserved (blocking until <paramref name="deadlineTicks"/>): the synchronous <c>Produce</c>.
    /// </summary>
    /// <returns>False when <paramref name="stint"/> ended first: the record was not appended, choose the partition again.</returns>
    /// <exception cref="KafkaException">No memory was freed in time (<c>buffer.memory</c> exhausted for <c>max.block.ms</c>).</exception>
    public bool Append(TopicQueues topic, int partition, in SerializedRecord record, StickyStint? stint, long deadlineTicks, CancellationToken cancellationToken)
    {
        var outcome = TryAppend(topic, partition, record, stint, out var needed);
        if (outcome != AppendOutcome.NeedsMemory)
        {
            return outcome == AppendOutcome.Appended;
        }

        if (!Memory.Wait(Wait(topic, partition, record, needed, stint), _settings.BlockDeadline(deadlineTicks), cancellationToken))
        {
            throw BufferExhausted(topic.Topic, partition, needed);
        }

        return true;
    }

    /// <summary>
    /// Appends a record to its partition's last batch, or to a new batch when its memory can be
    /// reserved at once and nobody waits for memory. A record of a sticky <paramref name="stint"/> (records
    /// without key, KIP-794) is appended only while the stint is current and has room for it under <c>batch.size</c>:
    /// else the stint ends and the record is not appended.
    /// </summary>
    /// <returns>The outcome; with <see cref="AppendOutcome.NeedsMemory"/>, <paramref name="needed"/> holds the bytes its new batch needs: make a waiter with <see cref="Wait"/>.</returns>
    public AppendOutcome TryAppend(TopicQueues topic, int partition, in SerializedRecord record, StickyStint? stint, out int needed)
    {
        needed = 0;
        var queue = topic.Get(partition, _onQueueCreated);
        var closed = false;
        lock (queue.Lock)
        {
            if (stint is not null && (!topic.IsCurrent(stint) || (closed = EndsStint(queue, stint, record))))
            {
                topic.EndStint(stint);
            }
            else if (TryAppendLast(queue, record, stint))
            {
                // A record that did not fit marked the batch full, so nobody joins it past a waiting record.
                return AppendOutcome.Appended;
            }
        }

        if (stint is not null && !topic.IsCurrent(stint))
        {
            if (closed && !queue.SendBlocked)
            {
                // The batch it closed may go now rather than after linger.ms.
                _wakeSender();
            }

            return AppendOutcome.StintEnded;
        }

        var size = NewBatchSize(record.EstimatedSize);
        if (!Memory.TryReserveNow(size))
        {
            // The full batch before it may now go, and its memory is what this record waits for.
            _wakeSender();
            needed = size;
            return AppendOutcome.NeedsMemory;
        }

        if (!AppendNew(queue, record, size, stint))
        {
            Memory.Release(size);
        }

        // A new batch: the sender may send the full one before it and must start its linger clock (unless an
        // answer it waits for will wake it anyway). Woken only now that the batch is queued: woken before, it
        // could look, find nothing and sleep its idle wait (100 ms).
        if (!queue.SendBlocked)
        {
            _wakeSender();
        }

        return AppendOutcome.Appended;
    }

    /// <summary>
    /// Whether the record would take <paramref name="stint"/> past <c>batch.size</c> bytes (its first record always
    /// fits): then it starts the next stint on another partition instead. A last batch without room for it is
    /// full now, as if the record had been refused there, so the sender sends it without waiting out linger.ms.
    /// </summary>
    private bool EndsStint(PartitionQueue queue, StickyStint stint, in SerializedRecord record)
    {
        if (stint.Produced == 0 || stint.Produced + record.EstimatedSize <= _settings.BatchSize)
        {
            return false;
        }

        if (queue.Batches.Count > 0)
        {
            queue.Batches[^1].CloseIfNoRoomFor(record.EstimatedSize);
        }

        return true;
    }

    /// <summary>
    /// A record that <see cref="TryAppend"/> could not append, with its own copy of key and value, to
    /// wait for memory in <see cref="BufferMemory.Wait"/> or <see cref="BufferMemory.WaitAsync"/>.
    /// </summary>
    public MemoryWaiter Wait(TopicQueues topic, int partition, in SerializedRecord record, int size, StickyStint? stint)
        => new PendingAppend(this, topic.Get(partition, _onQueueCreated), record, size, stint);

    /// <summary>The failure of a record that waited <c>max.block.ms</c> for memory in vain.</summary>
    public KafkaException BufferExhausted(string topic, int partition, int size) => new(new Error(
        ErrorCode.RequestTimedOut,
        $"Failed to allocate {size} bytes for a batch of {topic}-{partition} within max.block.ms ({_settings.MaxBlockMs} ms): "
        + $"buffer.memory ({_settings.BufferMemory} bytes) is full of records that cannot be sent fast enough."));

    /// <summary>The memory a new batch reserves: <c>batch.size</c>, or more for a larger record, never more than the whole buffer (or it could never be had).</summary>
    private int NewBatchSize(int estimate) => (int)Math.Min(Math.Max(_settings.BatchSize, RecordBatchHeader.Size + estimate), _settings.BufferMemory);

    /// <summary>
    /// Appends a record to a new batch holding <paramref name="reserved"/> bytes of memory; false when
    /// another thread made room in the last batch meanwhile and the record went there (the caller gives the memory back).
    /// </summary>
    private bool AppendNew(PartitionQueue queue, in SerializedRecord record, int reserved, StickyStint? stint)
    {
        var batch = RentBatch();
        lock (queue.Lock)
        {
            if (TryAppendLast(queue, record, stint))
            {
                ReturnBatch(batch);
                return false;
            }

            batch.Start(queue, queue.NextBatchSequence++, Environment.TickCount64, _settings.DeliveryTimeoutMs, reserved, reserved);
            batch.TryAppend(record);
            queue.Batches.Add(batch);
            queue.Appended++;
            if (stint is not null)
            {
                // The batch's header counts too, so a stint that starts on an empty queue ends as its batch fills.
                stint.Produced += RecordBatchHeader.Size + batch.Builder.RecordsSizeInBytes;
            }

            return true;
        }
    }

    /// <summary>Appends to the partition's last batch (under its lock), counting the bytes into <paramref name="stint"/>.</summary>
    private bool TryAppendLast(PartitionQueue queue, in SerializedRecord record, StickyStint? stint)
    {
        var batches = queue.Batches;
        if (batches.Count == 0)
        {
            return false;
        }

        var last = batches[^1];
        var before = last.Builder.RecordsSizeInBytes;
        if (!last.TryAppend(record))
        {
            return false;
        }

        queue.Appended++;
        if (stint is not null)
        {
            stint.Produced += last.Builder.RecordsSizeInBytes - before;
        }

        return true;
    }

    /// <summary>A record waiting for memory, with its key and value copied; appended by whoever frees memory, in turn.</summary>
    private sealed class PendingAppend(RecordAccumulator accumulator, PartitionQueue queue, in SerializedRecord record, int size, StickyStint? stint) : MemoryWaiter
    {
        private readonly long _timestamp = record.Timestamp;
        private readonly byte[]? _key = record.KeyIsNull ? null : record.Key.ToArray();
        private readonly byte[]? _value = record.ValueIsNull ? null : record.Value.ToArray();
        private readonly IReadOnlyList<RecordHeader>? _headers = record.Headers;
        private readonly object? _handler = record.Handler;
        private readonly object? _message = record.Message;

        public override bool TryProceed()
        {
            var record = new SerializedRecord(_timestamp, _key, _value, _headers, _handler, _message);
            lock (queue.Lock)
            {
                // The record before it in line may have started a batch with room for it.
                if (accumulator.TryAppendLast(queue, record, stint))
                {
                    return true;
                }
            }

            var memory = accumulator.Memory;
            if (!memory.TryTake(size))
            {
                return false;
            }

            if (!accumulator.AppendNew(queue, record, size, stint))
            {
                memory.Untake(size);
            }

            // After the append, not before: see TryAppend.
            if (!queue.SendBlocked)
            {
                accumulator._wakeSender();
            }

            return true;
        }
    }

    /// <summary>
    /// Splits a batch of more than one record that the broker refused as MESSAGE_TOO_LARGE into
    /// batches of at most <c>batch.size</c> and about half its size (so every round makes progress
    /// even when <c>batch.size</c> is above the topic's limit), and puts them back at the front of
    /// its partition's queue in record order, as Kafka's producer does. The pieces keep the batch's
    /// deadline and, under idempotence, its sequence numbers in turn (the next batch's sequence is
    /// unchanged); they share its memory reservation. The batch itself goes back to the pool.
    /// </summary>
    /// <returns>How many batches it became.</returns>
    public int SplitAndReenqueue(ProducerBatch batch)
    {
        // Half the records per piece (with room for the estimates' slack), yet always under the whole:
        // then the last record cannot join the others, and every piece has fewer records than the batch.
        var whole = batch.Builder.UncompressedSizeInBytes;
        var half = RecordBatchHeader.Size + ((batch.Builder.RecordsSizeInBytes + 1) / 2) + 64;
        var limit = Math.Min(_settings.BatchSize, Math.Min(whole - 1, half));
        var pieces = new List<ProducerBatch>();
        using (var reader = new RecordBatchReader())
        {
            // The batch was built to be sent: read its records back (decompressing them if need be).
            reader.Load(batch.Memory, verifyCrc: false);
            var slots = batch.Slots;
            var index = 0;
            ProducerBatch? piece = null;
            foreach (var record in reader)
            {
                var estimate = RecordBatchBuilder.EstimateRecordSize(record.KeySpan.Length, record.ValueSpan.Length) + record.Headers.Encoded.Length;
                if (piece is null || !piece.HasRoomFor(estimate))
                {
                    piece = RentBatch();
                    piece.StartSplit(batch, index, limit);
                    pieces.Add(piece);
                }

                piece.AppendSplit(record, slots[index]);
                index++;
            }
        }

        var reserved = batch.ReservedBytes;
        foreach (var piece in pieces)
        {
            // Nothing may join a piece: under idempotence its sequence numbers are already counted.
            piece.MarkDrained();
            piece.ReservedBytes = Math.Min(reserved, piece.Builder.UncompressedSizeInBytes);
            reserved -= piece.ReservedBytes;
        }

        pieces[^1].ReservedBytes += reserved;
        batch.Queue.Reenqueue(pieces);
        ReturnBatch(batch);
        return pieces.Count;
    }

    /// <summary>Returns a finished batch's memory and puts it back in the pool.</summary>
    public void Release(ProducerBatch batch)
    {
        Interlocked.Add(ref _released, batch.Count);
        var reserved = batch.ReservedBytes;
        ReturnBatch(batch);
        Memory.Release(reserved);
    }

    private ProducerBatch RentBatch()
    {
        lock (_poolLock)
        {
            if (_pool.TryPop(out var batch))
            {
                return batch;
            }
        }

        var created = new ProducerBatch(_settings.BatchSize, _settings.Compression);
        created.Builder.CompressionLevel = _settings.CompressionLevel;
        return created;
    }

    private void ReturnBatch(ProducerBatch batch)
    {
        batch.Reset();
        lock (_poolLock)
        {
            // Enough to cover buffer.memory; beyond that let the GC have it.
            if (_pool.Count * (long)_settings.BatchSize < _settings.BufferMemory)
            {
                _pool.Push(batch);
                return;
            }
        }

        batch.Builder.Dispose();
    }
}
