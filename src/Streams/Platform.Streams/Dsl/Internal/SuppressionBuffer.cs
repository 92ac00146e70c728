using System.Buffers.Binary;
using Platform.Client;
using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The store behind <c>Suppress</c> (Kafka's in-memory time-ordered key-value buffer): one entry per key, ordered
/// by the buffer time of the key's first buffered update; later updates replace the value but keep that time and
/// the value the key had before buffering started (the prior value emitted as old value). Every change goes to
/// the store's changelog (key = serialized key; value = buffer time, record timestamp, prior and new value),
/// from which it is rebuilt after a restart. Headers of buffered records are not kept.
/// </summary>
internal sealed class SuppressionBuffer<TKey, TValue>(string name, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, bool logging) : IStateStore
{
    private const int HeaderLength = (2 * sizeof(long)) + 1;
    private readonly Dictionary<Bytes, Entry> _index = [];
    private readonly SortedDictionary<(long Time, long Sequence), Entry> _byTime = [];
    private ISerde<TKey> _keySerde = null!;
    private ISerde<TValue> _valueSerde = null!;
    private ChangelogWriter? _changelog;
    private string _topic = name;
    private long _sequence;

    public string Name { get; } = name;

    public bool Persistent => false;

    public bool IsOpen { get; private set; }

    /// <summary>Entries buffered.</summary>
    public long Count => _index.Count;

    /// <summary>Serialized size of the entries buffered (keys, values, and their fixed overhead).</summary>
    public long SizeInBytes { get; private set; }

    /// <summary>The smallest buffer time, or <see cref="long.MaxValue"/> when empty.</summary>
    public long MinTime => _byTime.Count == 0 ? long.MaxValue : _byTime.First().Key.Time;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        _keySerde = keySerde ?? Defaults.Serde<TKey>(context.Config, isKey: true, $"suppression buffer '{Name}'");
        _valueSerde = valueSerde ?? Defaults.Serde<TValue>(context.Config, isKey: false, $"suppression buffer '{Name}'");
        _topic = (context as StoreContext)?.ChangelogTopicOf(Name) ?? Name;
        context.Register(root, Restore);
        if (logging)
        {
            _changelog = new ChangelogWriter(context, Name, timestamped: false);
        }

        IsOpen = true;
    }

    /// <summary>Buffers <paramref name="change"/> of <paramref name="key"/> at <paramref name="time"/> (kept from the key's first update).</summary>
    public void Put(long time, TKey key, Change<TValue> change, long timestamp, Headers? headers)
    {
        var keyBytes = new Bytes(_keySerde.Serialize(key, new SerializationContext(MessageComponentType.Key, _topic))
            ?? throw new ArgumentException($"The key of suppression buffer '{Name}' serialized to null.", nameof(key)));
        Entry entry;
        if (_index.TryGetValue(keyBytes, out var existing))
        {
            SizeInBytes -= existing.Size;
            entry = existing with { Change = new Change<TValue>(change.NewValue, change.HasNew, existing.Change.OldValue, existing.Change.HasOld), Timestamp = timestamp, Headers = headers };
        }
        else
        {
            entry = new Entry(keyBytes, key, time, _sequence++, change, timestamp, headers);
        }

        Store(entry);
        _changelog?.Log(keyBytes.Value, Serialize(entry));
    }

    /// <summary>Removes and returns the entry with the smallest buffer time.</summary>
    /// <exception cref="InvalidOperationException">The buffer is empty.</exception>
    public (TKey Key, Change<TValue> Change, long Timestamp, Headers? Headers) EvictOldest()
    {
        var (position, entry) = _byTime.First();
        _byTime.Remove(position);
        _index.Remove(entry.KeyBytes);
        SizeInBytes -= entry.Size;
        _changelog?.Log(entry.KeyBytes.Value, null);
        return (entry.Key, entry.Change, entry.Timestamp, entry.Headers);
    }

    public void Flush()
    {
    }

    public void Close()
    {
        _index.Clear();
        _byTime.Clear();
        SizeInBytes = 0;
        IsOpen = false;
    }

    private void Store(Entry entry)
    {
        entry = entry with { Size = entry.KeyBytes.Value.Length + HeaderLength + Length(entry.Change.HasOld, entry.Change.OldValue) + Length(entry.Change.HasNew, entry.Change.NewValue) };
        _index[entry.KeyBytes] = entry;
        _byTime[(entry.Time, entry.Sequence)] = entry;
        SizeInBytes += entry.Size;
    }

    private int Length(bool present, TValue value) => sizeof(int) + (present ? ValueBytes(value)?.Length ?? 0 : 0);

    private byte[]? ValueBytes(TValue value) => _valueSerde.Serialize(value, new SerializationContext(MessageComponentType.Value, _topic));

    private byte[] Serialize(Entry entry)
    {
        var prior = entry.Change.HasOld ? ValueBytes(entry.Change.OldValue) : null;
        var next = entry.Change.HasNew ? ValueBytes(entry.Change.NewValue) : null;
        var bytes = new byte[HeaderLength + (2 * sizeof(int)) + (prior?.Length ?? 0) + (next?.Length ?? 0)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, entry.Time);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], entry.Timestamp);
        span[16] = (byte)((prior is null ? 0 : 1) | (next is null ? 0 : 2));
        var offset = HeaderLength;
        foreach (var part in (ReadOnlySpan<byte[]?>)[prior, next])
        {
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], part?.Length ?? 0);
            offset += sizeof(int);
            part?.CopyTo(span[offset..]);
            offset += part?.Length ?? 0;
        }

        return bytes;
    }

    private void Restore(byte[] key, byte[]? value)
    {
        var keyBytes = new Bytes(key);
        if (_index.Remove(keyBytes, out var old))
        {
            _byTime.Remove((old.Time, old.Sequence));
            SizeInBytes -= old.Size;
        }

        if (value is null)
        {
            return;
        }

        if (value.Length < HeaderLength + (2 * sizeof(int)))
        {
            throw new FormatException($"A changelog record of suppression buffer '{Name}' has {value.Length} bytes, fewer than its fixed header.");
        }

        var span = value.AsSpan();
        var flags = span[16];
        var offset = HeaderLength;
        var prior = ReadPart(span, ref offset, (flags & 1) != 0);
        var next = ReadPart(span, ref offset, (flags & 2) != 0);
        var typedKey = _keySerde.Deserialize(key, false, new SerializationContext(MessageComponentType.Key, _topic));
        var change = new Change<TValue>(next.Value, next.Present, prior.Value, prior.Present);
        Store(new Entry(keyBytes, typedKey, BinaryPrimitives.ReadInt64BigEndian(span), _sequence++, change, BinaryPrimitives.ReadInt64BigEndian(span[8..]), null));
    }

    private (bool Present, TValue Value) ReadPart(ReadOnlySpan<byte> span, ref int offset, bool present)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
        offset += sizeof(int);
        var part = span.Slice(offset, length);
        offset += length;
        return present ? (true, _valueSerde.Deserialize(part, false, new SerializationContext(MessageComponentType.Value, _topic))) : (false, default!);
    }

    private sealed record Entry(Bytes KeyBytes, TKey Key, long Time, long Sequence, Change<TValue> Change, long Timestamp, Headers? Headers)
    {
        public long Size { get; init; }
    }
}
