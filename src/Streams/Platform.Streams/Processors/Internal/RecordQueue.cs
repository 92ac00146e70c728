using Platform.Client;

namespace Platform.Streams.Processors.Internal;

/// <summary>The buffered records of one input partition of a task, in offset order, with the partition's time.</summary>
internal sealed class RecordQueue(TopicPartition partition, SourceNode source)
{
    private StampedRecord[] _ring = new StampedRecord[16];
    private int _head;

    public TopicPartition TopicPartition { get; } = partition;

    public SourceNode Source { get; } = source;

    public int Count { get; private set; }

    /// <summary>The largest timestamp extracted from this partition so far, -1 before the first.</summary>
    public long PartitionTime { get; set; } = -1;

    /// <summary>The offset of the last record processed (or skipped), -1 before the first.</summary>
    public long ConsumedOffset { get; set; } = -1;

    /// <summary>The consumed offset last committed.</summary>
    public long CommittedOffset { get; set; } = -1;

    /// <summary>While empty and caught up: the wall-clock time until which the task waits for it (max.task.idle.ms), -1 when not waiting.</summary>
    public long IdleDeadlineMs { get; set; } = -1;

    /// <summary>The head record's timestamp; <see cref="long.MaxValue"/> when empty.</summary>
    public long HeadTimestamp => Count == 0 ? long.MaxValue : _ring[_head].Timestamp;

    public void Enqueue(StampedRecord record)
    {
        if (Count == _ring.Length)
        {
            var bigger = new StampedRecord[_ring.Length * 2];
            for (var i = 0; i < Count; i++)
            {
                bigger[i] = _ring[(_head + i) % _ring.Length];
            }

            _ring = bigger;
            _head = 0;
        }

        _ring[(_head + Count) % _ring.Length] = record;
        Count++;
    }

    public StampedRecord Dequeue()
    {
        var record = _ring[_head];
        _ring[_head] = null!;
        _head = (_head + 1) % _ring.Length;
        Count--;
        return record;
    }
}
