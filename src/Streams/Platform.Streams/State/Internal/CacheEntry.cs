using Platform.Client;

namespace Platform.Streams.State.Internal;

/// <summary>One cached store entry: the value (null: deleted), whether it still has to reach the store, and the record context of its write.</summary>
internal sealed class CacheEntry(Bytes key)
{
    /// <summary>Bytes counted per entry besides key and value (object headers, links, context).</summary>
    public const int Overhead = 96;

    public Bytes Key { get; } = key;

    public byte[]? Value;
    public bool IsDirty;
    public long Timestamp;
    public Headers? Headers;
    public string? Topic;
    public int Partition;
    public long Offset;

    /// <summary>The entry's place in the least-recently-used order.</summary>
    public LinkedListNode<CacheEntry>? LruNode;

    /// <summary>The entry's place in the dirty order (detached from it when clean), null until first dirty.</summary>
    public LinkedListNode<CacheEntry>? DirtyNode;

    public long Size => Key.Value.Length + (Value?.Length ?? 0) + Overhead;
}
