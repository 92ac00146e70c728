using System.Runtime.InteropServices;
using Platform.Client;
using Platform.Client.Producer;

namespace Platform.Streams.Runtime;

/// <summary>
/// Where a stream thread's output records keep their serialized bytes until their delivery reports: pooled
/// 64 KiB chunks filled one after the other, each back in the pool once every record in it is reported, and
/// the messages handed to the producer. The producer copies a record into its batch when it is sent; the bytes
/// are kept only for the production exception handler, which gets them when a record fails. So a record costs
/// no array of its own, and nothing per record stays reachable (and is copied by the GC) while batches linger.
/// Records are counted per commit generation (sent on the stream thread, reported on any), so an at_least_once
/// commit knows when every record sent before it is acknowledged without waiting for those sent after it.
/// </summary>
internal sealed class OutputBuffers
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxPooledChunks = 512;

    // What the filling thread holds of its chunk's reference count until it moves on (then it adds the records it
    // put there, less this): the reporting thread takes one off per record, and the count cannot reach 0 first.
    private const int FillerBias = 1 << 30;

    private readonly Lock _lock = new();
    private readonly Stack<Chunk> _chunks = new();

    // Messages back from their reports (under the lock), swapped with the sending thread's empty spare stack when it
    // has no message left: one lock per many messages on the sending side.
    private Stack<OutputMessage> _returned = new();
    private Stack<OutputMessage> _spare = new();

    // The sending thread's messages, taken from the top. The reporting thread read each last, so each is in that
    // thread's cache, and this thread's first write to one waits for its lines to come over. Written one per record
    // just before the producer's interlocked calls (which wait for every store before them), those waits stalled
    // the stream thread: a third of its time in word count. So the messages are cleared ahead, a few dozen in one
    // loop whose fetches overlap, and are still in this thread's cache when used: [_clearedFrom, _freeCount).
    private const int ClearedPerPass = 32;
    private OutputMessage[] _free = new OutputMessage[1024];
    private int _freeCount;
    private int _clearedFrom;

    // Messages back from reports on the producer's thread (the one thread that reports), not yet handed over.
    private const int ReturnedPerLock = 256;
    private readonly Stack<OutputMessage> _reporterStack = new();
    private int _reporter;

    // What the sending thread writes per record and the reporting thread per report, each on cache lines of its own:
    // written side by side, both threads would pull the same line back and forth on every record.
    private readonly FillState _fill = new();
    private readonly ReportCounts _reportedCounts = new();
    private long _generation;

    // A closed generation the stream thread waits for, and the event its last report sets.
    private long _awaited = -1;
    private readonly ManualResetEventSlim _allReported = new(false);

    /// <summary>The generation records rented now belong to.</summary>
    public long Generation => _generation;

    /// <summary>
    /// Closes the open generation and opens the next; returns the closed one. Only when the generation closed
    /// before is fully reported (<see cref="Reported"/>).
    /// </summary>
    public long CloseGeneration()
    {
        var closed = _generation;
        var next = (int)((closed + 1) & 1);
        _fill.Sent(next) = 0;
        Volatile.Write(ref _reportedCounts.Reported(next), 0);
        _generation = closed + 1;
        return closed;
    }

    /// <summary>Whether every record of the closed <paramref name="generation"/> is reported (on the stream thread).</summary>
    public bool Reported(long generation)
    {
        var slot = (int)(generation & 1);
        return Volatile.Read(ref _reportedCounts.Reported(slot)) == _fill.Sent(slot);
    }

    /// <summary>Waits until every record of the closed <paramref name="generation"/> is reported (on the stream thread).</summary>
    public void WaitReported(long generation)
    {
        _allReported.Reset();
        Interlocked.Exchange(ref _awaited, generation);
        while (!Reported(generation))
        {
            // The report that completes it sets the event; the timeout only guards against a missed wake-up.
            _allReported.Wait(100);
            _allReported.Reset();
        }

        Volatile.Write(ref _awaited, -1);
    }

    /// <summary>A message holding copies of <paramref name="key"/> and <paramref name="value"/>; give it back with <see cref="Return"/>.</summary>
    public OutputMessage Rent(ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        var message = TakeMessage();
        var size = key.Length + value.Length;
        var fill = _fill;
        var buffer = fill.Buffer;
        if (buffer is null || buffer.Length - fill.Used < size)
        {
            LeaveChunk();
            TakeChunk(size);
            buffer = fill.Buffer!;
        }

        fill.Records++;
        var generation = _generation;
        message.Generation = generation;
        fill.Sent((int)(generation & 1))++;
        var at = fill.Used;
        key.CopyTo(buffer.AsSpan(at));
        value.CopyTo(buffer.AsSpan(at + key.Length));
        fill.Used = at + size;
        message.Chunk = fill.Chunk;
        message.Key = keyIsNull ? null : new ReadOnlyMemory<byte>(buffer, at, key.Length);
        message.Value = valueIsNull ? null : new ReadOnlyMemory<byte>(buffer, at + key.Length, value.Length);
        return message;
    }

    private OutputMessage TakeMessage()
    {
        if (_freeCount == 0)
        {
            lock (_lock)
            {
                (_spare, _returned) = (_returned, _spare);
            }

            if (_spare.Count > _free.Length)
            {
                _free = new OutputMessage[Math.Max(_spare.Count, _free.Length * 2)];
            }

            while (_spare.TryPop(out var returned))
            {
                _free[_freeCount++] = returned;
            }

            _clearedFrom = _freeCount;
            if (_freeCount == 0)
            {
                return new OutputMessage();
            }
        }

        var index = --_freeCount;
        if (index < _clearedFrom)
        {
            var from = Math.Max(0, index + 1 - ClearedPerPass);
            for (var i = from; i <= index; i++)
            {
                _free[i].Clear();
            }

            _clearedFrom = from;
        }

        var message = _free[index];
        _free[index] = null!;
        return message;
    }

    /// <summary>Takes back a message whose record is reported (or was never sent); on any thread.</summary>
    public void Return(OutputMessage message)
    {
        Recycle(message);
        lock (_lock)
        {
            _returned.Push(message);
        }
    }

    /// <summary>
    /// Takes back a message whose report came on the producer's thread: kept in that thread's own stack and handed
    /// to the sending side many at a time (one lock per <see cref="ReturnedPerLock"/> reports, not per report).
    /// </summary>
    public void ReturnReported(OutputMessage message)
    {
        var thread = Environment.CurrentManagedThreadId;
        if (_reporter != thread && Interlocked.CompareExchange(ref _reporter, thread, 0) != 0)
        {
            Return(message);
            return;
        }

        Recycle(message);
        _reporterStack.Push(message);
        if (_reporterStack.Count < ReturnedPerLock)
        {
            return;
        }

        lock (_lock)
        {
            while (_reporterStack.TryPop(out var returned))
            {
                _returned.Push(returned);
            }
        }
    }

    /// <summary>
    /// <see cref="ReturnReported(OutputMessage)"/> for a run of reported records (their messages in the slots): the
    /// counts shared with other threads move once per run of records in one chunk and generation, not per record.
    /// </summary>
    public void ReturnReported(ReadOnlySpan<RecordSlot> records)
    {
        var thread = Environment.CurrentManagedThreadId;
        if (_reporter != thread && Interlocked.CompareExchange(ref _reporter, thread, 0) != 0)
        {
            foreach (ref readonly var record in records)
            {
                Return((OutputMessage)record.Message!);
            }

            return;
        }

        Chunk? chunk = null;
        var inChunk = 0;
        var generation = -1L;
        var inGeneration = 0;
        foreach (ref readonly var record in records)
        {
            var message = (OutputMessage)record.Message!;
            if (!ReferenceEquals(message.Chunk, chunk))
            {
                if (chunk is not null)
                {
                    Release(chunk, inChunk);
                }

                chunk = message.Chunk;
                inChunk = 0;
            }

            inChunk++;
            if (chunk is not null && chunk.Buffer.Length != ChunkSize)
            {
                // A record's own (unpooled) chunk: let it go now (see Recycle).
                message.Clear();
            }

            if (message.Generation != generation)
            {
                CountReported(generation, inGeneration);
                generation = message.Generation;
                inGeneration = 0;
            }

            inGeneration++;
            _reporterStack.Push(message);
        }

        if (chunk is not null)
        {
            Release(chunk, inChunk);
        }

        CountReported(generation, inGeneration);
        if (_reporterStack.Count < ReturnedPerLock)
        {
            return;
        }

        lock (_lock)
        {
            while (_reporterStack.TryPop(out var returned))
            {
                _returned.Push(returned);
            }
        }
    }

    /// <summary>Counts <paramref name="count"/> records of <paramref name="generation"/> reported, waking a thread that waits for the last.</summary>
    private void CountReported(long generation, int count)
    {
        if (count == 0)
        {
            return;
        }

        var slot = (int)(generation & 1);
        var reported = Interlocked.Add(ref _reportedCounts.Reported(slot), count);
        if (generation == Volatile.Read(ref _awaited) && reported == Volatile.Read(ref _fill.Sent(slot)))
        {
            _allReported.Set();
        }
    }

    private void Recycle(OutputMessage message)
    {
        // Read only: the sending thread clears it when it takes the message back (see Rent).
        var chunk = message.Chunk;
        if (chunk is not null)
        {
            Release(chunk, 1);
            if (chunk.Buffer.Length != ChunkSize)
            {
                // A record's own (unpooled, over 64 KiB) chunk: let it go now, not when the message is next rented.
                // Nobody else holds the message until it is pushed back below.
                message.Clear();
            }
        }

        var generation = message.Generation;
        var slot = (int)(generation & 1);
        var reported = Interlocked.Increment(ref _reportedCounts.Reported(slot));
        if (generation == Volatile.Read(ref _awaited) && reported == Volatile.Read(ref _fill.Sent(slot)))
        {
            _allReported.Set();
        }
    }

    /// <summary>The filling thread moves on from its chunk: its bias becomes the records it put there.</summary>
    private void LeaveChunk()
    {
        var fill = _fill;
        if (fill.Chunk is { } chunk)
        {
            Release(chunk, FillerBias - fill.Records);
        }

        fill.Chunk = null;
        fill.Buffer = null;
    }

    private void TakeChunk(int size)
    {
        Chunk? chunk = null;
        if (size <= ChunkSize)
        {
            lock (_lock)
            {
                _chunks.TryPop(out chunk);
            }
        }

        // A record larger than a chunk gets one of its own, which is not pooled.
        chunk ??= new Chunk(new byte[Math.Max(size, ChunkSize)]);
        chunk.References = FillerBias;
        var fill = _fill;
        fill.Chunk = chunk;
        fill.Buffer = chunk.Buffer;
        fill.Used = 0;
        fill.Records = 0;
    }

    private void Release(Chunk chunk, int references)
    {
        if (Interlocked.Add(ref chunk.References, -references) != 0 || chunk.Buffer.Length != ChunkSize)
        {
            return;
        }

        lock (_lock)
        {
            if (_chunks.Count < MaxPooledChunks)
            {
                _chunks.Push(chunk);
            }
        }
    }

    /// <summary>A pooled array; in the pool when no record references it and no thread fills it.</summary>
    internal sealed class Chunk(byte[] buffer)
    {
        public readonly byte[] Buffer = buffer;
        public int References;
    }

    /// <summary>The filling (sending) thread's chunk and counts, 64 bytes clear of any other object's fields.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class FillState
    {
        [FieldOffset(64)]
        public Chunk? Chunk;

        [FieldOffset(72)]
        public byte[]? Buffer;

        [FieldOffset(80)]
        public int Used;

        [FieldOffset(84)]
        public int Records;

        [FieldOffset(88)]
        private long _sent0;

        [FieldOffset(96)]
        private long _sent1;

        /// <summary>Records sent in the generation of <paramref name="slot"/> (0 or 1); written by the sending thread only.</summary>
        public ref long Sent(int slot) => ref slot == 0 ? ref _sent0 : ref _sent1;
    }

    /// <summary>Records reported per generation slot, 64 bytes clear of any other object's fields.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class ReportCounts
    {
        [FieldOffset(64)]
        private long _reported0;

        [FieldOffset(72)]
        private long _reported1;

        /// <summary>Records reported in the generation of <paramref name="slot"/> (0 or 1).</summary>
        public ref long Reported(int slot) => ref slot == 0 ? ref _reported0 : ref _reported1;
    }
}

/// <summary>An output record's message: key and value are slices of an <see cref="OutputBuffers"/> chunk.</summary>
internal sealed class OutputMessage : Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>
{
    /// <summary>The chunk the key and value are in, released when the record is reported.</summary>
    public OutputBuffers.Chunk? Chunk;

    /// <summary>The commit generation it was sent in.</summary>
    public long Generation;

    /// <summary>Drops the references of its last use.</summary>
    public void Clear()
    {
        Chunk = null;
        Key = null;
        Value = null;
        Headers = null;
    }
}
