namespace Platform.Protocol.RecordFormat;

/// <summary>
/// Splits a records blob (a produce payload, a fetch response's records, a segment file) into whole
/// batches by their length fields, without checking CRCs or contents. It stops at the first bytes
/// that do not hold a whole batch and says why: a fetch response may end with a partial batch, and
/// storage recovery truncates a segment to <see cref="ValidBytes"/>.
/// </summary>
/// <example><code>
/// var batches = new RecordBatchEnumerator(bytes);
/// while (batches.MoveNext()) { var batch = memory.Slice(batches.CurrentPosition, batches.Current.Length); ... }
/// if (batches.HasTrailingBytes) { ... }
/// </code></example>
public ref struct RecordBatchEnumerator
{
    /// <summary>The smallest possible batch length field: a header without records.</summary>
    private const int MinBatchLength = RecordBatchHeader.Size - RecordBatchHeader.LogOverhead;

    private readonly ReadOnlySpan<byte> _records;
    private int _next;

    public RecordBatchEnumerator(ReadOnlySpan<byte> records)
    {
        _records = records;
        _next = 0;
        CurrentPosition = -1;
        Current = default;
        Trailing = TrailingKind.None;
    }

    /// <summary>The whole batch found by the last successful <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Where <see cref="Current"/> starts in the blob.</summary>
    public int CurrentPosition { get; private set; }

    /// <summary>Bytes covered by the whole batches enumerated so far.</summary>
    public readonly int ValidBytes => _next;

    /// <summary>Once <see cref="MoveNext"/> returned false: why bytes were left over.</summary>
    public TrailingKind Trailing { get; private set; }

    /// <summary>Once <see cref="MoveNext"/> returned false: bytes after the last whole batch.</summary>
    public readonly int TrailingBytes => _records.Length - _next;

    /// <summary>Whether the blob ended with bytes that are not a whole batch.</summary>
    public readonly bool HasTrailingBytes => Trailing != TrailingKind.None;

    public readonly RecordBatchEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        var remaining = _records.Length - _next;
        if (remaining == 0)
        {
            Trailing = TrailingKind.None;
            return false;
        }

        var rest = _records[_next..];
        if (remaining < RecordBatchHeader.LogOverhead)
        {
            Trailing = TrailingKind.PartialBatch;
            return false;
        }

        var length = RecordBatchHeader.BatchLength(rest);
        if (length < MinBatchLength)
        {
            Trailing = TrailingKind.InvalidLength;
            return false;
        }

        if (length > remaining - RecordBatchHeader.LogOverhead)
        {
            Trailing = TrailingKind.PartialBatch;
            return false;
        }

        var size = length + RecordBatchHeader.LogOverhead;
        CurrentPosition = _next;
        Current = rest[..size];
        _next += size;
        return true;
    }

    /// <summary>What follows the last whole batch.</summary>
    public enum TrailingKind
    {
        /// <summary>Nothing: the blob is whole batches only.</summary>
        None,

        /// <summary>The start of a batch whose declared size runs past the end (a cut fetch, a torn write).</summary>
        PartialBatch,

        /// <summary>A length field too small for any v2 batch: garbage, not a batch.</summary>
        InvalidLength,
    }
}
