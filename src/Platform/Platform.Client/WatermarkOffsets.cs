namespace Platform.Client;

/// <summary>The offsets bounding a partition: its log start (low) and high watermark (high, the next offset to be written).</summary>
/// <param name="Low">The first offset in the log, or <see cref="Offset.Unset"/> when unknown.</param>
/// <param name="High">The high watermark, or <see cref="Offset.Unset"/> when unknown.</param>
public sealed record WatermarkOffsets(Offset Low, Offset High);
