using Platform.Protocol;

namespace Platform.Broker.Network;

/// <summary>
/// Writes one connection's response frames, one at a time: <see cref="Begin"/> gives a writer for the
/// payload, <see cref="SendAsync"/> puts the size in front and sends it. Record slices of a large
/// Fetch response are not copied into the buffer: they are sent from their source in pieces through
/// a bounded chunk. The buffer is kept between responses unless one grew it past 1 MiB.
/// A frame may be held back (<c>flush: false</c>) when the caller knows the next answer is ready to be
/// written right after it: the next frame goes into the buffer behind it, and one send carries both. An fsync
/// round answers many acks=all requests of a connection at once; a send each (a syscall, and on loopback the
/// client's receive path and wakeup inside it) was 7% of the broker's CPU at 16 KiB batches.
/// </summary>
public sealed class FrameWriter : IDisposable
{
    /// <summary>Records this large are sent from their source in pieces instead of being copied into the response buffer.</summary>
    private const int DeferRecordsFrom = 32 * 1024;

    /// <summary>How much of a record slice is read and sent at a time.</summary>
    private const int RecordsChunkBytes = 256 * 1024;

    private const int BufferBytes = 64 * 1024;

    /// <summary>A buffer grown past this by one large response is swapped for a small one after it is sent.</summary>
    private const int BufferRetainBytes = 1024 * 1024;

    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly KafkaWriter _buffer = new(BufferBytes) { DeferRecordsFrom = DeferRecordsFrom };
    private int _sizePosition = -1;
    private long _lastSent;

    /// <summary>Whether the buffer starts with frames held back for the next one (see <see cref="SendAsync"/>).</summary>
    private bool _held;

    internal FrameWriter(Stream stream, TimeProvider time)
    {
        _stream = stream;
        _time = time;
        _lastSent = time.GetTimestamp();
    }

    /// <summary>When bytes were last sent (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastSent => Volatile.Read(ref _lastSent);

    /// <summary>Starts a response frame: write its payload (header and body) to the writer returned.</summary>
    public KafkaWriter Begin()
    {
        if (!_held)
        {
            _buffer.Reset();
        }

        _sizePosition = _buffer.ReserveInt32();
        return _buffer;
    }

    /// <summary>
    /// Sends the frame begun with <see cref="Begin"/>, after any held back. With <paramref name="flush"/> false a frame
    /// without deferred records stays in the buffer until the next send: only when a next frame is sure to follow.
    /// A failure reading deferred records (a <c>StorageException</c>) leaves the frame cut: close the connection.
    /// </summary>
    public async ValueTask SendAsync(bool flush = true, CancellationToken cancellationToken = default)
    {
        if (_sizePosition < 0)
        {
            throw new InvalidOperationException("No frame was begun.");
        }

        // Frames held back carry no deferred records, so all of those are this frame's.
        // fetch.max.bytes keeps a response far below 2 GiB; checked all the same.
        _buffer.PatchInt32(_sizePosition, checked((int)(_buffer.TotalLength - _sizePosition - FrameSplitter.SizeLength)));
        if (!flush && _buffer.Deferred.Count == 0)
        {
            _sizePosition = -1;
            _held = true;
            return;
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the frames held back, if any (when the answer that was to follow them has none).</summary>
    public ValueTask FlushHeldAsync(CancellationToken cancellationToken = default)
        => _held ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            var written = _buffer.WrittenMemory;
            var position = 0;
            foreach (var deferred in _buffer.Deferred)
            {
                await WriteAsync(written[position..deferred.Position], cancellationToken).ConfigureAwait(false);
                await WriteRecordsAsync(deferred.Records, cancellationToken).ConfigureAwait(false);
                position = deferred.Position;
            }

            await WriteAsync(written[position..], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sizePosition = -1;
            _held = false;
            _buffer.ResetAndShrink(BufferRetainBytes, BufferBytes);
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastSent, _time.GetTimestamp());
    }

    /// <summary>Sends records through a bounded buffer, one positional read per piece, instead of holding them all at once.</summary>
    private async ValueTask WriteRecordsAsync(Records records, CancellationToken cancellationToken)
    {
        var size = records.SizeInBytes;
        var chunk = FrameBuffers.Rent(Math.Min(size, RecordsChunkBytes));
        try
        {
            for (var offset = 0; offset < size;)
            {
                var count = Math.Min(chunk.Length, size - offset);
                records.CopyTo(offset, chunk.AsSpan(0, count));
                await WriteAsync(chunk.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                offset += count;
            }
        }
        finally
        {
            FrameBuffers.Return(chunk);
        }
    }

    public void Dispose() => _buffer.Dispose();
}
