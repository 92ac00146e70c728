namespace Platform.Client.Producer;

/// <summary>
/// What the producer keeps per record until its delivery report: the handler (a delivery callback
/// or a task source, or null for fire-and-forget), the application's message, and the timestamp sent.
/// A struct in a pooled array: no allocation per record.
/// </summary>
internal struct RecordSlot
{
    public object? Handler;
    public object? Message;
    public long Timestamp;
}
