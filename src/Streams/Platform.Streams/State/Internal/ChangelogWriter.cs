using System.Buffers.Binary;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Sends a window or session store's changes to its changelog topic through the task's record collector,
/// as the key-value changelog layer does: timestamped values go out as the plain value with the value's
/// timestamp as the record timestamp.
/// </summary>
internal sealed class ChangelogWriter
{
    private readonly TaskContext _task;
    private readonly string _topic;
    private readonly int _partition;
    private readonly bool _timestamped;

    public ChangelogWriter(IStateStoreContext context, string storeName, bool timestamped)
    {
        var storeContext = context as StoreContext
            ?? throw new InvalidOperationException($"Store '{storeName}' logs changes and must be opened by a task.");
        _task = storeContext.Task;
        _topic = storeContext.ChangelogTopicOf(storeName)
            ?? throw new InvalidOperationException($"Store '{storeName}' logs changes but its task has no changelog topic for it.");
        _partition = storeContext.TaskId.Partition;
        _timestamped = timestamped;
        if (timestamped)
        {
            storeContext.MarkTimestampedChangelog(storeName);
        }
    }

    public void Log(byte[] key, byte[]? value)
    {
        var timestamp = _task.Timestamp;
        ReadOnlySpan<byte> bytes = value;
        if (_timestamped && value is not null)
        {
            timestamp = BinaryPrimitives.ReadInt64BigEndian(value);
            bytes = bytes[sizeof(long)..];
        }

        _task.Collector.Send(_topic, key, false, bytes, value is null, null, timestamp, _partition);
    }
}
