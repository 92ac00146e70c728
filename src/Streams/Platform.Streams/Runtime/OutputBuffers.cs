using Platform.Client;

namespace Platform.Streams.Runtime;

/// <summary>
/// Where a stream thread's output records keep their serialized bytes until their delivery reports: pooled
/// 64 KiB chunks filled one after the other, each back in the pool once every record in it is reported, and
/// the messages handed to the producer. The producer copies a record into its batch when it is sent; the bytes
/// are kept only for the production exception handler, which gets them when a record fails. So a record costs
/// no array of its own, and nothing per record stays reachable (and is copied by the GC) while batches linger.
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

    // The chunk being filled; only the sending (stream) thread touches it.
    private Chunk? _current;

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
        var chunk = message.Chunk;
        message.Chunk = null;
        message.Key = null;
        message.Value = null;
        message.Headers = null;
        if (chunk is not null)
        {
            Release(chunk);
        }

        lock (_lock)
        {
            _returned.Push(message);
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
}
