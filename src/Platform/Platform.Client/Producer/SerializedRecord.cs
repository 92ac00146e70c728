using Platform.Protocol.RecordFormat;

namespace Platform.Client.Producer;

/// <summary>
/// One record on its way into a batch: serialized key and value, timestamp, headers, and what its
/// delivery report needs (the handler and, when someone will see it, the message). A ref struct
/// because key and value are usually slices of the producing thread's scratch buffer, valid only
/// for the call; a record that must wait for memory copies them (<see cref="RecordAccumulator.Wait"/>).
/// </summary>
internal readonly ref struct SerializedRecord
{
    public SerializedRecord(
        long timestamp,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        IReadOnlyList<RecordHeader>? headers,
        object? handler,
        object? message)
    {
        Timestamp = timestamp;
        Key = key;
        KeyIsNull = keyIsNull;
        Value = value;
        ValueIsNull = valueIsNull;
        Headers = headers;
        Handler = handler;
        Message = message;
        EstimatedSize = RecordBatchBuilder.EstimateRecordSize(key.Length, value.Length, headers);
    }

    /// <summary>A record whose key and value are arrays (null for a null key or value).</summary>
    public SerializedRecord(long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers, object? handler, object? message)
        : this(timestamp, key, key is null, value, value is null, headers, handler, message)
    {
    }

    public long Timestamp { get; }

    public ReadOnlySpan<byte> Key { get; }

    public bool KeyIsNull { get; }

    public ReadOnlySpan<byte> Value { get; }

    public bool ValueIsNull { get; }

    public IReadOnlyList<RecordHeader>? Headers { get; }

    /// <summary>The delivery handler, a <c>TaskCompletionSource</c> of <c>ProduceAsync</c>, or null.</summary>
    public object? Handler { get; }

    /// <summary>The message for the report, or null when nobody will look at it.</summary>
    public object? Message { get; }

    /// <summary>An upper bound of the bytes it adds to a batch (<see cref="RecordBatchBuilder.EstimateRecordSize"/>).</summary>
    public int EstimatedSize { get; }
}
