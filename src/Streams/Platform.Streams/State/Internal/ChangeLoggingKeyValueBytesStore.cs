using System.Buffers.Binary;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Writes every change to the store's changelog topic (<c>&lt;application.id&gt;-&lt;store&gt;-changelog</c>,
/// partition = the task's) through the task's record collector, stamped with the current record's timestamp.
/// For timestamped stores the changelog holds the plain value and the value's timestamp as the record's
/// timestamp, as Kafka writes it.
/// </summary>
internal sealed class ChangeLoggingKeyValueBytesStore(IKeyValueStore<Bytes, byte[]> inner, bool timestamped) : WrappedKeyValueBytesStore(inner)
{
    private TaskContext _task = null!;
    private string _topic = "";
    private int _partition;

    public override void Init(IStateStoreContext context, IStateStore root)
    {
        Inner.Init(context, root);
        var storeContext = context as StoreContext
            ?? throw new InvalidOperationException($"Store '{Name}' logs changes and must be opened by a task.");
        _task = storeContext.Task;
        _topic = storeContext.ChangelogTopicOf(Name)
            ?? throw new InvalidOperationException($"Store '{Name}' logs changes but its task has no changelog topic for it.");
        _partition = storeContext.TaskId.Partition;
        if (timestamped)
        {
            storeContext.MarkTimestampedChangelog(Name);
        }
    }

    public override void Put(Bytes key, byte[]? value)
    {
        Inner.Put(key, value);
        Log(key, value);
    }

    public override byte[]? PutIfAbsent(Bytes key, byte[] value)
    {
        var existing = Inner.PutIfAbsent(key, value);
        if (existing is null)
        {
            Log(key, value);
        }

        return existing;
    }

    public override byte[]? Delete(Bytes key)
    {
        var old = Inner.Delete(key);
        Log(key, null);
        return old;
    }

    private void Log(Bytes key, byte[]? value)
    {
        var timestamp = _task.Timestamp;
        ReadOnlySpan<byte> bytes = value;
        if (timestamped && value is not null)
        {
            timestamp = BinaryPrimitives.ReadInt64BigEndian(value);
            bytes = bytes[8..];
        }

        _task.Collector.Send(_topic, key.Value, false, bytes, value is null, null, timestamp, _partition);
    }
}
