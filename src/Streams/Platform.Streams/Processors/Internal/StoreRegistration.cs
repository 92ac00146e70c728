using System.Buffers.Binary;
using Platform.Streams.State;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// A store a task opened, with what the runtime needs to restore it: its changelog topic and partition, and
/// the callback that writes a changelog record into the innermost store (bypassing cache and logging).
/// </summary>
internal sealed class StoreRegistration(IStateStore store, Action<byte[], byte[]?> restore)
{
    /// <summary>The store (the outermost layer).</summary>
    public IStateStore Store { get; } = store;

    /// <summary>The changelog topic (or the source topic serving as one), null when the store does not log.</summary>
    public string? ChangelogTopic { get; set; }

    /// <summary>The changelog partition: the task's partition.</summary>
    public int ChangelogPartition { get; set; }

    /// <summary>Whether changelog values are plain values whose record timestamp belongs in front (timestamped stores).</summary>
    public bool PrependTimestamp { get; set; }

    /// <summary>Whether the store keeps its data on disk (and so wants checkpoints).</summary>
    public bool Persistent => Store.Persistent;

    /// <summary>Applies one changelog record (null value: delete).</summary>
    public void Restore(byte[] key, byte[]? value, long timestamp)
    {
        if (PrependTimestamp && value is not null)
        {
            var stamped = new byte[value.Length + 8];
            BinaryPrimitives.WriteInt64BigEndian(stamped, timestamp);
            value.CopyTo(stamped, 8);
            value = stamped;
        }

        restore(key, value);
    }
}
