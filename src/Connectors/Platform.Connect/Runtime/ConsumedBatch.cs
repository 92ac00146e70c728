using Platform.Client;
using Platform.Connect.Connectors;
using Platform.Connect.Errors;
using Platform.Protocol.RecordFormat;

namespace Platform.Connect.Runtime;

/// <summary>
/// The records of one sink poll as they were consumed: where each came from and its key, value and headers, the bytes
/// copied into one buffer that is reused from batch to batch. The sink path converts every record straight from the
/// consumer's fetch buffer (<see cref="IConsumer{TKey, TValue}.ConsumeRaw"/>): no consume result, message or byte
/// array per record. The copies here are read when a record fails (its dead-letter context), for the offsets the batch
/// advances, and by the JSON documents the converter lends to a sink that reads them (<see cref="Lend"/>): those maps
/// refer to this buffer instead of copies of their own, and are released before it is reused.
/// </summary>
internal sealed class ConsumedBatch
{
    private readonly List<Entry> _entries = [];
    private readonly List<Converters.JsonObjectMap> _lent = [];
    private byte[] _bytes = new byte[64 * 1024];
    private int _used;

    // With Reuses: the records made for the task from what this batch held before (SinkTask.RecordsMayBeReused), the
    // first _recordsUsed of them made again for what it holds now, and the maps released by Clear, to lend again.
    private readonly List<SinkRecord> _records = [];
    private int _recordsUsed;
    private readonly Stack<Converters.JsonObjectMap> _spareMaps = new();

    public int Count => _entries.Count;

    /// <summary>
    /// Whether the records and maps made from this batch are made again from the records it holds next, once cleared:
    /// only for a task that keeps none after their put (<see cref="Connectors.SinkTask.RecordsMayBeReused"/>) and without
    /// transformations (their records are their own). The batch is cleared only after the put of its records returned.
    /// </summary>
    public bool Reuses { get; set; }

    public void Clear()
    {
        foreach (var map in _lent)
        {
            map.Release();
            if (Reuses)
            {
                _spareMaps.Push(map);
            }
        }

        _lent.Clear();
        _entries.Clear();
        _used = 0;
        _recordsUsed = 0;
    }

    /// <summary>A released map to make the next map over this batch's memory (null: none, or the batch does not reuse); it is taken when lent (<see cref="Lend"/>).</summary>
    public Converters.JsonObjectMap? SpareMap => _spareMaps.Count > 0 ? _spareMaps.Peek() : null;

    /// <summary>Notes <paramref name="value"/> when it is a map over this batch's memory (<see cref="KeyMemory"/>, <see cref="ValueMemory"/>), to release it before the memory is reused.</summary>
    public void Lend(object? value)
    {
        if (value is Converters.JsonObjectMap { IsBorrowed: true } map)
        {
            if (_spareMaps.Count > 0 && ReferenceEquals(_spareMaps.Peek(), map))
            {
                _spareMaps.Pop();
            }

            _lent.Add(map);
        }
    }

    /// <summary>The task's record of the record at <paramref name="index"/>: with <see cref="Reuses"/> one made from an earlier batch, made again.</summary>
    public SinkRecord Record(int index, Data.SchemaAndValue key, Data.SchemaAndValue value, DateTimeOffset? timestamp, IReadOnlyList<ConnectHeader>? headers)
    {
        ref readonly var e = ref At(index);
        if (!Reuses)
        {
            return new SinkRecord(e.Topic, e.Partition, key.Schema, key.Value, value.Schema, value.Value, e.Offset, timestamp, headers);
        }

        if (_recordsUsed < _records.Count)
        {
            var record = _records[_recordsUsed++];
            record.Reuse(e.Topic, e.Partition, key.Schema, key.Value, value.Schema, value.Value, e.Offset, timestamp, headers);
            return record;
        }

        var made = new SinkRecord(e.Topic, e.Partition, key.Schema, key.Value, value.Schema, value.Value, e.Offset, timestamp, headers);
        _records.Add(made);
        _recordsUsed++;
        return made;
    }

    /// <summary>Keeps <paramref name="record"/>; returns its index in the batch.</summary>
    /// <param name="record">The record.</param>
    /// <param name="headers">Its headers, decoded (null: none).</param>
    public int Add(RawRecord record, RecordHeader[]? headers)
    {
        var tp = record.TopicPartition;
        var key = Append(record.IsKeyNull ? default : record.Key, record.IsKeyNull);
        var value = Append(record.IsValueNull ? default : record.Value, record.IsValueNull);
        _entries.Add(new Entry(tp.Topic, tp.Partition, record.Offset, record.Timestamp, key.Start, key.Length, value.Start, value.Length, headers));
        return _entries.Count - 1;
    }

    /// <summary>The record's topic, partition and offset.</summary>
    public (string Topic, int Partition, long Offset) Position(int index)
    {
        ref readonly var e = ref At(index);
        return (e.Topic, e.Partition, e.Offset);
    }

    /// <summary>The record's timestamp in ms since the epoch (0 or less: none) and headers (null: none).</summary>
    public (long Timestamp, RecordHeader[]? Headers) Meta(int index)
    {
        ref readonly var e = ref At(index);
        return (e.Timestamp, e.Headers);
    }

    /// <summary>The record's key bytes; <paramref name="isNull"/> when it has no key.</summary>
    public ReadOnlySpan<byte> Key(int index, out bool isNull) => KeyMemory(index, out isNull).Span;

    /// <summary>The record's value bytes; <paramref name="isNull"/> for a tombstone.</summary>
    public ReadOnlySpan<byte> Value(int index, out bool isNull) => ValueMemory(index, out isNull).Span;

    /// <summary>The record's key bytes, as memory valid until <see cref="Clear"/>; <paramref name="isNull"/> when it has no key.</summary>
    public ReadOnlyMemory<byte> KeyMemory(int index, out bool isNull)
    {
        ref readonly var e = ref At(index);
        isNull = e.KeyLength < 0;
        return isNull ? default : _bytes.AsMemory(e.KeyStart, e.KeyLength);
    }

    /// <summary>The record's value bytes, as memory valid until <see cref="Clear"/>; <paramref name="isNull"/> for a tombstone.</summary>
    public ReadOnlyMemory<byte> ValueMemory(int index, out bool isNull)
    {
        ref readonly var e = ref At(index);
        isNull = e.ValueLength < 0;
        return isNull ? default : _bytes.AsMemory(e.ValueStart, e.ValueLength);
    }

    /// <summary>The index of the record at <paramref name="offset"/> of the partition, or -1 (a search: reports are rare, batches are every record).</summary>
    public int Find(string topic, int partition, long offset)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            if (e.Offset == offset && e.Partition == partition && string.Equals(e.Topic, topic, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The dead-letter context of the record at <paramref name="index"/>: its original bytes and headers.</summary>
    public DeadLetterContext Context(int index, string? executing)
    {
        ref readonly var e = ref At(index);
        var headers = e.Headers is null ? [] : e.Headers.Select(h => new KeyValuePair<string, byte[]?>(h.Key, h.Value)).ToList();
        return new DeadLetterContext(e.Topic, e.Partition, e.Offset, Bytes(e.KeyStart, e.KeyLength), Bytes(e.ValueStart, e.ValueLength), headers, executing);
    }

    /// <summary>Sets, per partition of the batch, the offset after its last record.</summary>
    public void AdvanceInto(Dictionary<TopicPartitionRef, long> offsets)
    {
        foreach (var e in _entries)
        {
            offsets[new TopicPartitionRef(e.Topic, e.Partition)] = e.Offset + 1;
        }
    }

    /// <summary>Per partition of the batch, its first offset (where to read again).</summary>
    public List<TopicPartitionOffset> Firsts()
    {
        var firsts = new Dictionary<TopicPartitionRef, long>();
        foreach (var e in _entries)
        {
            var tp = new TopicPartitionRef(e.Topic, e.Partition);
            if (!firsts.TryGetValue(tp, out var first) || e.Offset < first)
            {
                firsts[tp] = e.Offset;
            }
        }

        return [.. firsts.Select(kv => new TopicPartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value))];
    }

    /// <summary>Forgets the records of <paramref name="partitions"/> (revoked: another task reads them again).</summary>
    public void Remove(IReadOnlyCollection<TopicPartitionRef> partitions)
        => _entries.RemoveAll(e => partitions.Contains(new TopicPartitionRef(e.Topic, e.Partition)));

    // By reference: an entry is 64 bytes, read several times per record.
    private ref readonly Entry At(int index) => ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_entries)[index];

    private (int Start, int Length) Append(ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
        {
            return (0, -1);
        }

        if (_used + bytes.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + bytes.Length));
        }

        bytes.CopyTo(_bytes.AsSpan(_used));
        var start = _used;
        _used += bytes.Length;
        return (start, bytes.Length);
    }

    private byte[]? Bytes(int start, int length) => length < 0 ? null : _bytes.AsSpan(start, length).ToArray();

    /// <summary>One record: its position, timestamp (ms), where its key and value lie in the buffer (length -1: null) and its headers.</summary>
    private readonly record struct Entry(string Topic, int Partition, long Offset, long Timestamp, int KeyStart, int KeyLength, int ValueStart, int ValueLength,
        RecordHeader[]? Headers);
}
