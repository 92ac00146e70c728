namespace Platform.Client.Admin;

/// <summary>Which offset <see cref="IAdminClient.ListOffsetsAsync"/> looks up.</summary>
public sealed class OffsetSpec
{
    private OffsetSpec(long timestamp) => Timestamp = timestamp;

    /// <summary>The timestamp sent to the broker, or a negative marker (-1 latest, -2 earliest, -3 max timestamp).</summary>
    public long Timestamp { get; }

    /// <summary>The log start offset.</summary>
    public static OffsetSpec Earliest() => new(-2);

    /// <summary>The log end offset (high watermark; last stable offset under read_committed).</summary>
    public static OffsetSpec Latest() => new(-1);

    /// <summary>The offset of the record with the highest timestamp.</summary>
    public static OffsetSpec MaxTimestamp() => new(-3);

    /// <summary>The first offset whose timestamp is at or after <paramref name="timestampMs"/> (Unix ms).</summary>
    public static OffsetSpec ForTimestamp(long timestampMs)
        => timestampMs >= 0 ? new(timestampMs) : throw new ArgumentOutOfRangeException(nameof(timestampMs), "A timestamp is not negative.");

    /// <inheritdoc />
    public override string ToString() => Timestamp switch
    {
        -1 => "latest",
        -2 => "earliest",
        -3 => "max-timestamp",
        var t => $"timestamp {t}",
    };
}
