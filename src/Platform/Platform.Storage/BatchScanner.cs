using System.Buffers;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>Outcome of one <see cref="BatchScanner.Next"/>.</summary>
internal enum ScanStatus
{
    Batch,
    End,

    /// <summary>Bytes remain but do not form a whole, sane batch: a torn write or corruption.</summary>
    Invalid,
}

/// <summary>
/// Walks the batches of a segment file from a position, reading in large chunks (not one syscall per
/// batch). Header-only scans (index lookups) touch 61 bytes per batch; whole-batch scans (recovery,
/// cleaning) expose the full batch so its CRC can be checked.
/// </summary>
internal sealed class BatchScanner : IDisposable
{
    private const int DefaultBufferSize = 64 * 1024;

    private readonly ISegmentFile _file;
    private readonly long _end;
    private byte[] _buffer;
    private long _bufferStart;
    private int _bufferLength;
    private long _next;
    private int _currentLength;

    public BatchScanner(ISegmentFile file, long start, long end, int bufferSize = DefaultBufferSize)
    {
        _file = file;
        _end = end;
        _next = start;
        _bufferStart = start;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>File position of the current batch.</summary>
    public long Position { get; private set; }

    /// <summary>Total size of the current batch.</summary>
    public int Size { get; private set; }

    /// <summary>Where the next batch would start.</summary>
    public long NextPosition => _next;

    /// <summary>The current batch's header (or whole batch when scanned with wholeBatch).</summary>
    public ReadOnlySpan<byte> Current => CurrentMemory.Span;

    /// <summary>The current batch as memory (valid until the next call), for a <c>RecordBatchReader</c>.</summary>
    public ReadOnlyMemory<byte> CurrentMemory => _buffer.AsMemory((int)(Position - _bufferStart), _currentLength);

    /// <summary>Why the last <see cref="ScanStatus.Invalid"/> was returned.</summary>
    public string? Problem { get; private set; }

    public ScanStatus Next(bool wholeBatch)
    {
        Position = _next;
        var remaining = _end - _next;
        if (remaining == 0)
        {
            return ScanStatus.End;
        }

        if (remaining < RecordBatchHeader.Size)
        {
            return Invalid($"{remaining} trailing bytes, less than a batch header");
        }

        Fill(RecordBatchHeader.Size);
        var header = _buffer.AsSpan((int)(_next - _bufferStart), RecordBatchHeader.Size);
        var batchLength = RecordBatchHeader.BatchLength(header);
        if (batchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead)
        {
            return Invalid($"batch length {batchLength} is below the header size");
        }

        var size = (long)batchLength + RecordBatchHeader.LogOverhead;
        if (size > remaining)
        {
            return Invalid($"batch of {size} bytes but only {remaining} remain");
        }

        if (RecordBatchHeader.Magic(header) != RecordBatchHeader.CurrentMagic)
        {
            return Invalid($"magic {RecordBatchHeader.Magic(header)}");
        }

        if (RecordBatchHeader.LastOffsetDelta(header) < 0)
        {
            return Invalid($"negative last offset delta {RecordBatchHeader.LastOffsetDelta(header)}");
        }

        Size = (int)size;
        if (wholeBatch)
        {
            Fill(Size);
            _currentLength = Size;
        }
        else
        {
            _currentLength = RecordBatchHeader.Size;
        }

        _next += size;
        return ScanStatus.Batch;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private ScanStatus Invalid(string problem)
    {
        Problem = problem;
        return ScanStatus.Invalid;
    }

    /// <summary>Makes <paramref name="count"/> bytes from <see cref="_next"/> available in the buffer.</summary>
    private void Fill(int count)
    {
        var offsetInBuffer = _next - _bufferStart;
        if (offsetInBuffer >= 0 && offsetInBuffer + count <= _bufferLength)
        {
            return;
        }

        if (count > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(count);
        }

        var want = (int)Math.Min(_buffer.Length, _end - _next);
        _bufferStart = _next;
        _bufferLength = _file.Read(_next, _buffer.AsSpan(0, Math.Max(want, count)));
        if (_bufferLength < count)
        {
            throw new IOException($"Short read at position {_next}: wanted {count} bytes, got {_bufferLength}.");
        }
    }
}
