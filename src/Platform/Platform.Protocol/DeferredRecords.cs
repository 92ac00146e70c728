namespace Platform.Protocol;

/// <summary>A <c>records</c> field a <see cref="KafkaWriter"/> left out of its buffer: its bytes belong at <see cref="Position"/>.</summary>
/// <param name="Position">Where in the writer's buffer the records' bytes go (after their length).</param>
/// <param name="Records">The records to send there.</param>
public readonly record struct DeferredRecords(int Position, Records Records);
