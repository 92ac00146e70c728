using Platform.Client;

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
    private readonly Lock _lock = new();
    private readonly Stack<Chunk> _chunks = new();

    // Messages back from their reports (under the lock), swapped with the sending thread's own stack when that runs
    // dry: one lock per many messages on the sending side.
    private Stack<OutputMessage> _returned = new();
    private Stack<OutputMessage> _free = new();

    // Messages back from reports on the producer's thread (the one thread that reports), not yet handed over.
    private const int ReturnedPerLock = 256;
    private readonly Stack<OutputMessage> _reporterStack = new();
    private int _reporter;

    // The chunk being filled; only the sending (stream) thread touches it.
    private Chunk? _current;

    // Records sent (stream thread only) and reported (any thread) per generation, in two slots: the open generation
    // and the one closed before it. A generation is only closed once the one before it is fully reported, so a
    // slot is free again when it is reused.
    private readonly long[] _sent = new long[2];
    private readonly long[] _reported = new long[2];
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
        _sent[next] = 0;
        Volatile.Write(ref _reported[next], 0);
        _generation = closed + 1;
        return closed;
    }

    /// <summary>Whether every record of the closed <paramref name="generation"/> is reported (on the stream thread).</summary>
    public bool Reported(long generation)
    {
        var slot = (int)(generation & 1);
        return Volatile.Read(ref _reported[slot]) == _sent[slot];
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
        if (!_free.TryPop(out var message))
        {
            lock (_lock)
            {
                (_free, _returned) = (_returned, _free);
            }

            message = _free.TryPop(out var reused) ? reused : new OutputMessage();
        }

        var size = key.Length + value.Length;
        var chunk = _current;
        if (chunk is null || chunk.Buffer.Length - chunk.Used < size)
        {
            if (chunk is not null)
            {
                Release(chunk);
            }

            chunk = _current = TakeChunk(size);
        }

        Interlocked.Increment(ref chunk.References);
        message.Generation = _generation;
        _sent[(int)(_generation & 1)]++;
        var at = chunk.Used;
        key.CopyTo(chunk.Buffer.AsSpan(at));
        value.CopyTo(chunk.Buffer.AsSpan(at + key.Length));
        chunk.Used = at + size;
        message.Chunk = chunk;
        message.Key = keyIsNull ? null : new ReadOnlyMemory<byte>(chunk.Buffer, at, key.Length);
        message.Value = valueIsNull ? null : new ReadOnlyMemory<byte>(chunk.Buffer, at + key.Length, value.Length);
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

    private void Recycle(OutputMessage message)
    {
        var chunk = message.Chunk;
        message.Chunk = null;
        message.Key = null;
        message.Value = null;
        message.Headers = null;
        if (chunk is not null)
        {
            Release(chunk);
        }

        var generation = message.Generation;
        var slot = (int)(generation & 1);
        var reported = Interlocked.Increment(ref _reported[slot]);
        if (generation == Volatile.Read(ref _awaited) && reported == Volatile.Read(ref _sent[slot]))
        {
            _allReported.Set();
        }
    }

    private Chunk TakeChunk(int size)
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
        chunk.Used = 0;

        // The filling thread's own reference, dropped when it moves on to the next chunk.
        chunk.References = 1;
        return chunk;
    }

    private void Release(Chunk chunk)
    {
        if (Interlocked.Decrement(ref chunk.References) != 0 || chunk.Buffer.Length != ChunkSize)
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

    /// <summary>A pooled array and how much of it is used; in the pool when no record references it.</summary>
    internal sealed class Chunk(byte[] buffer)
    {
        public readonly byte[] Buffer = buffer;
        public int Used;
        public int References;
    }
}

/// <summary>An output record's message: key and value are slices of an <see cref="OutputBuffers"/> chunk.</summary>
internal sealed class OutputMessage : Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>
{
    /// <summary>The chunk the key and value are in, released when the record is reported.</summary>
    public OutputBuffers.Chunk? Chunk;

    /// <summary>The commit generation it was sent in.</summary>
    public long Generation;
}
