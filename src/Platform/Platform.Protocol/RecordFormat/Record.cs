namespace Platform.Protocol.RecordFormat;

/// <summary>
/// One record of a batch, decoded without copying: key, value and headers are slices of the batch
/// buffer (or of the reader's decompression buffer), valid until the <see cref="RecordBatchReader"/>
/// that produced them loads another batch or is disposed.
/// </summary>
public readonly struct Record
{
    private readonly ReadOnlyMemory<byte> _key;
    private readonly ReadOnlyMemory<byte> _value;
    private readonly bool _keyIsNull;
    private readonly bool _valueIsNull;

    internal Record(
        long offset,
        long timestamp,
        int offsetDelta,
        long timestampDelta,
        ReadOnlyMemory<byte> key,
        bool keyIsNull,
        ReadOnlyMemory<byte> value,
        bool valueIsNull,
        RecordHeaders headers)
    {
        Offset = offset;
        Timestamp = timestamp;
        OffsetDelta = offsetDelta;
        TimestampDelta = timestampDelta;
        _key = key;
        _keyIsNull = keyIsNull;
        _value = value;
        _valueIsNull = valueIsNull;
        Headers = headers;
    }

    /// <summary>Absolute offset: the batch's base offset plus <see cref="OffsetDelta"/>.</summary>
    public long Offset { get; }

    /// <summary>CreateTime (base timestamp + delta), or the batch's max timestamp for LogAppendTime batches.</summary>
    public long Timestamp { get; }

    public int OffsetDelta { get; }

    /// <summary>The delta as stored, relative to the batch's base timestamp (kept for re-encoding).</summary>
    public long TimestampDelta { get; }

    // `cond ? null : memory` would convert null through byte[] into an empty, non-null memory.
    public ReadOnlyMemory<byte>? Key => _keyIsNull ? default(ReadOnlyMemory<byte>?) : _key;

    public ReadOnlyMemory<byte>? Value => _valueIsNull ? default(ReadOnlyMemory<byte>?) : _value;

    public bool IsKeyNull => _keyIsNull;

    /// <summary>A null value is a tombstone in a compacted topic.</summary>
    public bool IsValueNull => _valueIsNull;

    /// <summary>The key's bytes; empty when the key is null (see <see cref="IsKeyNull"/>).</summary>
    public ReadOnlySpan<byte> KeySpan => _key.Span;

    /// <summary>The value's bytes; empty when the value is null (see <see cref="IsValueNull"/>).</summary>
    public ReadOnlySpan<byte> ValueSpan => _value.Span;

    public RecordHeaders Headers { get; }
}
