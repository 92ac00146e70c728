using Platform.Protocol;

namespace Platform.Broker.Network;

/// <summary>
/// Reads <c>int32 size + payload</c> frames from a connection. A frame is admitted (its size
/// reserved in the broker's <see cref="RequestMemoryBudget"/>) as soon as its size is known and
/// before its body is read, so a spent budget stops the reading. Frames that fit the 64 KiB receive
/// buffer are handed out in place; larger ones are read straight into a buffer of their exact size
/// (not through the receive buffer, not copied again). The receive buffer is rented only while bytes
/// are expected (a zero-byte read waits for them first), so an idle connection holds no buffer.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;
    private const int MinFrameBytes = 8;

    private readonly Stream _stream;
    private readonly RequestMemoryBudget _budget;
    private readonly int _maxFrameBytes;
    private readonly TimeProvider _time;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private long _lastReceived;
    private long _frameStarted;
    private volatile bool _waitingForMemory;
    private volatile string _state = "accepted";

    public FrameReader(Stream stream, RequestMemoryBudget budget, int maxFrameBytes, TimeProvider time)
    {
        _stream = stream;
        _budget = budget;
        _maxFrameBytes = maxFrameBytes;
        _time = time;
        _lastReceived = time.GetTimestamp();
    }

    /// <summary>When bytes last arrived (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastReceived => Volatile.Read(ref _lastReceived);

    /// <summary>
    /// When the frame being read began to arrive, or 0 when no frame is half-read (or the reader is
    /// waiting for the budget, which is not the client's doing).
    /// </summary>
    public long FrameStarted => Volatile.Read(ref _frameStarted);

    /// <summary>What the reader is doing, for diagnostics.</summary>
    public string State => _state;

    /// <summary>True while the reader waits for the budget to admit its frame: the connection is not idle, the broker is busy.</summary>
    public bool WaitingForMemory => _waitingForMemory;

    /// <summary>Bytes of an incomplete frame left when the peer closed the connection.</summary>
    public int BytesLeftAtEnd { get; private set; }

    /// <summary>The next frame, or null when the peer closed the connection (<see cref="BytesLeftAtEnd"/> says if mid-frame).</summary>
    public async ValueTask<RequestFrame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (_end - _start < FrameSplitter.SizeLength)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        // An api key, a version and a correlation id at least.
        FrameSplitter.TryReadSize(_buffer.AsSpan(_start, _end - _start), MinFrameBytes, _maxFrameBytes, "socket.request.max.bytes", out var size);

        await ReserveAsync(size, cancellationToken).ConfigureAwait(false);
        try
        {
            return 4 + size <= ReceiveBufferSize
                ? await ReadSmallAsync(size, cancellationToken).ConfigureAwait(false)
                : await ReadLargeAsync(size, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _budget.Release(size);
            throw;
        }
    }

    /// <summary>Gives a frame's bytes back to the budget (and its own buffer to the pool).</summary>
    public void Release(RequestFrame frame)
    {
        _budget.Release(frame.Payload.Length);
        if (frame.OwnBuffer is not null)
        {
            FrameBuffers.Return(frame.OwnBuffer);
            LargeBufferTrimmer.Dropped(frame.OwnBuffer.Length);
        }
    }

    private async ValueTask ReserveAsync(int size, CancellationToken cancellationToken)
    {
        // Time spent waiting for memory is the broker's, not the client's: the frame clock stops.
        Volatile.Write(ref _frameStarted, 0);
        _waitingForMemory = true;
        try
        {
            await _budget.ReserveAsync(size, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _waitingForMemory = false;
            Volatile.Write(ref _lastReceived, _time.GetTimestamp());
        }

        if (_end - _start < 4 + size)
        {
            Volatile.Write(ref _frameStarted, _time.GetTimestamp());
        }
    }

    private async ValueTask<RequestFrame?> ReadSmallAsync(int size, CancellationToken cancellationToken)
    {
        while (_end - _start < 4 + size)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException();
            }
        }

        var payload = _buffer.AsMemory(_start + 4, size);
        _start += 4 + size;
        FrameTaken();
        return new RequestFrame(payload, ownBuffer: null);
    }

    private async ValueTask<RequestFrame?> ReadLargeAsync(int size, CancellationToken cancellationToken)
    {
        var own = FrameBuffers.Rent(size);
        try
        {
            var filled = _end - _start - 4;
            _buffer.AsSpan(_start + 4, filled).CopyTo(own);
            _start = _end = 0;
            ReturnReceiveBuffer();
            _state = "reading a large frame";
            while (filled < size)
            {
                var read = await _stream.ReadAsync(own.AsMemory(filled, size - filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    BytesLeftAtEnd = 4 + filled;
                    throw new EndOfStreamException();
                }

                filled += read;
                Volatile.Write(ref _lastReceived, _time.GetTimestamp());
            }
        }
        catch
        {
            FrameBuffers.Return(own);
            throw;
        }

        FrameTaken();
        return new RequestFrame(own.AsMemory(0, size), own);
    }

    /// <summary>After a frame is taken, the clock runs for the next one only if some of it is already here.</summary>
    private void FrameTaken() => Volatile.Write(ref _frameStarted, _end > _start ? _time.GetTimestamp() : 0);

    /// <summary>Reads more bytes into the receive buffer; false at the end of the stream.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer is not null)
            {
                ReturnReceiveBuffer();
            }

            // Wait for data before renting: thousands of idle connections then hold no buffers.
            _state = "waiting for data";
            await _stream.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }

        _state = "reading";

        if (_buffer is null)
        {
            _buffer = FrameBuffers.Rent(ReceiveBufferSize);
        }
        else if (_start > 0 && _buffer.Length - _end < ReceiveBufferSize / 4)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            BytesLeftAtEnd = _end - _start;
            return false;
        }

        var now = _time.GetTimestamp();
        Volatile.Write(ref _lastReceived, now);
        if (_end == _start && FrameStarted == 0)
        {
            Volatile.Write(ref _frameStarted, now);
        }

        _end += read;
        return true;
    }

    private void ReturnReceiveBuffer()
    {
        if (_buffer is not null)
        {
            FrameBuffers.Return(_buffer);
            _buffer = null;
        }
    }

    public void Dispose()
    {
        _start = _end = 0;
        ReturnReceiveBuffer();
    }
}
