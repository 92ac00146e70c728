using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The partial counts of a <see cref="KStreamCountCombiner{TKey,TValue}"/>, per key, for one stream thread. Keys are
/// compared by their serialized bytes, as the count's store and the partitioner compare them, so keys a type's
/// <c>Equals</c> mixes up stay apart; except under the built-in string and integer serdes, where equal keys are equal
/// bytes (strings compare ordinally and UTF-8 has one encoding), so keys are compared as they are and serialized only
/// by the sink, once per key and flush instead of per record.
/// </summary>
internal sealed class CountCombinerTable<TKey> : ICombinerTable
{
    // A rough per-key cost besides the key's bytes: the entries, the Bytes and its array header.
    private const int EntryOverhead = 64;

    // Each key seen has an entry, kept across flushes (its count back at 0) until the entries outgrow the budget:
    // most keys come again, and a kept key is neither added anew nor copied by the GC as a new object per flush.
    // Keys by their serialized bytes: the number of their entry, dense from 0.
    private readonly Dictionary<Bytes, int> _bySerializedKey = new(BytesComparer.Instance);
    private readonly Dictionary<Bytes, int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private int _entryCount;

    // Keys as they are (when equal keys serialize to equal bytes): the entries are an open-addressing table (linear
    // probing, at most 5/8 full) with each key's hash in its entry (0: free). A word count looks up every word among
    // thousands of keys, each lookup a cache miss per memory area it reads: through a Dictionary that took a fifth of
    // the stream thread (its buckets, its entries, then the slot); through a table of slot numbers beside the slots,
    // three misses (table, slot, key). Here a hit reads the entry, next to its neighbours, and the key.
    private readonly bool _byKey;
    private readonly bool _stringKeys;
    private Partial[] _entries = new Partial[64];

    // Where each key's entry is in the table, in the order the keys came: a flush sends in this order, the keys'
    // own (their strings were allocated in it, so reading them for the sends goes through memory in order).
    private int[] _order = new int[64];

    // Keys counted since the last flush, and copies of their entries while a flush sends them.
    private int _counted;
    private Partial[] _flushing = [];
    private readonly ISerializer<TKey> _keySerializer;
    private readonly ISpanWriter<TKey>? _keyWriter;
    private readonly long _maxBytes;
    private byte[] _scratch = new byte[256];
    private long _bytes;
    private readonly string _topic;

    /// <param name="keySerializer">The key serde's serializer, as the sink writes keys.</param>
    /// <param name="topic">The repartition topic (decorated), for the serializer's context.</param>
    /// <param name="maxBytes">The most the table holds before <see cref="Add"/> asks for a flush.</param>
    public CountCombinerTable(ISerializer<TKey> keySerializer, string topic, long maxBytes)
    {
        _lookup = _bySerializedKey.GetAlternateLookup<ReadOnlySpan<byte>>();
        _keySerializer = keySerializer;
        _keyWriter = keySerializer as ISpanWriter<TKey>;
        _stringKeys = keySerializer is StringSerde;
        _byKey = _stringKeys || keySerializer is Int32Serde or Int64Serde;
        _maxBytes = maxBytes;
        _topic = topic;
    }

    /// <summary>Counts one record of <paramref name="key"/>; true when the table is over its budget (flush it).</summary>
    public bool Add(TKey key, long timestamp)
    {
        var at = _byKey ? EntryByKey(key) : EntryBySerializedKey(key);
        ref var partial = ref _entries[at];
        if (partial.Count++ == 0)
        {
            partial.Timestamp = timestamp;
            _counted++;
        }
        else
        {
            partial.Timestamp = Math.Max(partial.Timestamp, timestamp);
        }

        return _bytes > _maxBytes;
    }

    /// <summary>
    /// The keys counted since the last flush with their counts, in the order they came, taken out of the table (their
    /// counts back at 0); valid until the next call. <see cref="Flushed"/> follows once they are sent.
    /// </summary>
    public ReadOnlySpan<Partial> TakeCounted()
    {
        if (_counted == 0)
        {
            return [];
        }

        if (_flushing.Length < _counted)
        {
            _flushing = new Partial[Math.Max(_counted, _flushing.Length * 2)];
        }

        // The table's entries are read in key order, so all over it: the counted ones are taken out first, in a
        // loop so small that the processor fetches many entries at once, rather than one after the other between
        // the sends, each fetch a wait of its own.
        var taken = 0;
        for (var i = 0; i < _entryCount; i++)
        {
            ref var partial = ref _entries[_byKey ? _order[i] : i];
            if (partial.Count > 0)
            {
                _flushing[taken++] = partial;
                partial.Count = 0;
            }
        }

        _counted = 0;
        return _flushing.AsSpan(0, taken);
    }

    /// <summary>After a flush: the keys are forgotten if they outgrew the budget.</summary>
    public void Flushed()
    {
        if (_bytes > _maxBytes)
        {
            Forget();
        }
    }

    /// <inheritdoc/>
    public void Clear()
    {
        _counted = 0;
        Forget();
    }

    private void Forget()
    {
        _bySerializedKey.Clear();
        Array.Clear(_entries);
        Array.Clear(_flushing);
        _entryCount = 0;
        _bytes = 0;
    }

    /// <summary>The entry of <paramref name="key"/> by its serialized bytes, a new one (count 0) if the key has none.</summary>
    private int EntryBySerializedKey(TKey key)
    {
        var bytes = SerializeKey(key);
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, bytes, out var exists);
        if (exists)
        {
            return index;
        }

        index = _entryCount;
        if (_entryCount == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_entryCount] = new Partial(key, 0);
        _bytes += bytes.Length + EntryOverhead;
        return _entryCount++;
    }

    /// <summary>The entry of <paramref name="key"/> in the table, a new one (count 0) if the key has none.</summary>
    private int EntryByKey(TKey key)
    {
        var hash = Hash(key);
        var entries = _entries;
        var mask = entries.Length - 1;
        var at = hash & mask;
        while (true)
        {
            ref var entry = ref entries[at];
            if (entry.Hash == hash && KeyEquals(entry.Key, key))
            {
                return at;
            }

            if (entry.Hash == 0)
            {
                break;
            }

            at = (at + 1) & mask;
        }

        entries[at] = new Partial(key, hash);
        _bytes += _keyWriter!.Size(key) + EntryOverhead;
        if (_entryCount == _order.Length)
        {
            Array.Resize(ref _order, _order.Length * 2);
        }

        _order[_entryCount++] = at;
        if (_entryCount * 8 > entries.Length * 5)
        {
            return GrowTable(at);
        }

        return at;
    }

    /// <summary>Moves the entries to a table twice as large; returns where the entry at <paramref name="added"/> went.</summary>
    private int GrowTable(int added)
    {
        var old = _entries;
        var entries = new Partial[old.Length * 2];
        var mask = entries.Length - 1;
        var movedTo = new int[old.Length];
        for (var i = 0; i < old.Length; i++)
        {
            if (old[i].Hash == 0)
            {
                continue;
            }

            var at = old[i].Hash & mask;
            while (entries[at].Hash != 0)
            {
                at = (at + 1) & mask;
            }

            entries[at] = old[i];
            movedTo[i] = at;
        }

        for (var i = 0; i < _entryCount; i++)
        {
            _order[i] = movedTo[_order[i]];
        }

        _entries = entries;
        return movedTo[added];
    }

    // Strings compare ordinally (as their UTF-8 bytes would), through string's own methods rather than the shared
    // generic code's comparer lookup; int and long keys get code of their own, where the comparer is inlined. The
    // hash is mixed (murmur3's finalizer): an int is its own hash, and keys a multiple of the table's size apart
    // would otherwise all probe from the same place. Its top bit is set, so no key's hash is 0 (a free entry's).
    private int Hash(TKey key)
    {
        var hash = (uint)(_stringKeys ? Unsafe.As<TKey, string>(ref key).GetHashCode() : EqualityComparer<TKey>.Default.GetHashCode(key!));
        hash = (hash ^ (hash >> 16)) * 0x85EBCA6B;
        hash = (hash ^ (hash >> 13)) * 0xC2B2AE35;
        return (int)(hash ^ (hash >> 16)) | int.MinValue;
    }

    private bool KeyEquals(TKey stored, TKey key)
        => _stringKeys
            ? string.Equals(Unsafe.As<TKey, string>(ref stored), Unsafe.As<TKey, string>(ref key))
            : EqualityComparer<TKey>.Default.Equals(stored, key);

    private ReadOnlySpan<byte> SerializeKey(TKey key)
    {
        if (_keyWriter is null)
        {
            return _keySerializer.Serialize(key, new SerializationContext(MessageComponentType.Key, _topic)) ?? [];
        }

        var size = _keyWriter.Size(key);
        if (size < 0)
        {
            return [];
        }

        if (_scratch.Length < size)
        {
            _scratch = new byte[Math.Max(_scratch.Length * 2, size)];
        }

        return _scratch.AsSpan(0, _keyWriter.Write(key, _scratch));
    }

    /// <summary>A key's count since the last flush and the largest timestamp among its records.</summary>
    internal struct Partial(TKey key, int hash)
    {
        public readonly TKey Key = key;
        public readonly int Hash = hash;
        public long Count;
        public long Timestamp;
    }
}
