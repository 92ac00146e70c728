using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
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
    // A rough per-key cost besides the key's bytes: by serialized key, the entries, the Bytes and its array header; by
    // key, the key object and its place in the key and order arrays (the slots are counted as the table grows).
    private const int EntryOverhead = 64;
    private const int KeyOverhead = 48;
    private const int SlotBytes = 64;
    private const int InlineChars = 20;

    // Each key seen has an entry, kept across flushes (its count back at 0) until the entries outgrow the budget:
    // most keys come again, and a kept key is neither added anew nor copied by the GC as a new object per flush.
    // Keys by their serialized bytes: the number of their entry, dense from 0.
    private readonly Dictionary<Bytes, int> _bySerializedKey = new(BytesComparer.Instance);
    private readonly Dictionary<Bytes, int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private int _entryCount;

    // Keys as they are (when equal keys serialize to equal bytes): an open-addressing table (linear probing, at most
    // 5/8 full) of slots of one cache line each, with the key's hash (0: free), its count and timestamp, and a key of up
    // to 20 chars (or an int or long) inline. A word count looks up every word among thousands of keys, and between two
    // lookups of a word its slot has left the processor's caches (the records' allocations pass through them), so each
    // line a lookup reads is a wait. Entries of 32 bytes (half of them across two lines) and the key's string beside:
    // 30% of a word count's stream thread, its two hottest instructions loads of an entry. Here a hit reads one line,
    // fetched ahead (see _pending): 23%. The key objects are beside, read to add or send a key.
    private readonly bool _byKey;
    private readonly bool _stringKeys;
    private readonly long _seed = Random.Shared.NextInt64();
    private byte[] _slotMemory = [];
    private int _slotOffset;
    private nint _slotAddress;
    private int _capacity;
    private TKey[] _keys = [];
    private Partial[] _entries = new Partial[64];

    // The keys added since the slots were last looked up: a lookup waits for its slot's line to come from memory, so
    // Add asks for the line and keeps the key, and the keys are counted 16 at a time, their lines fetched meanwhile,
    // side by side instead of one wait after the other.
    private readonly PendingKey[] _pending = new PendingKey[16];
    private int _pendingCount;

    // Where each key's slot is, in the order the keys came: a flush sends in this order, the keys' own (their
    // strings were allocated in it, so reading them for the sends goes through memory in order).
    private int[] _order = new int[64];

    // Keys counted since the last flush, and copies of their entries while a flush sends them.
    private int _counted;
    private Partial[] _flushing = [];
    private readonly ISerializer<TKey> _keySerializer;
    private readonly ISpanWriter<TKey>? _keyWriter;
    private readonly long _maxBytes;
    private byte[] _scratch = new byte[256];
    private long _bytes;

    // The slots may not grow any more: the keys are forgotten at the next flush.
    private bool _full;
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
        if (_byKey)
        {
            // Counted with the next ones, once their slots are in the cache (see _pending).
            var hash = Hash(key);
            if (_capacity > 0)
            {
                Prefetch(hash & (_capacity - 1));
            }

            _pending[_pendingCount] = new PendingKey(key, hash, timestamp);
            if (++_pendingCount == _pending.Length)
            {
                CountPending();
            }
        }
        else
        {
            ref var partial = ref _entries[EntryBySerializedKey(key)];
            Count(ref partial.Count, ref partial.Timestamp, timestamp);
        }

        // The budget is checked against the keys counted so far (the flush counts the pending ones itself); without
        // one (caching off) every record is sent at once.
        return _bytes > _maxBytes || _full || _maxBytes == 0;
    }

    private void CountPending()
    {
        for (var i = 0; i < _pendingCount; i++)
        {
            ref var pending = ref _pending[i];
            ref var slot = ref SlotAt(SlotOf(pending.Key, pending.Hash));
            Count(ref slot.Count, ref slot.Timestamp, pending.Timestamp);
        }

        Array.Clear(_pending, 0, _pendingCount);
        _pendingCount = 0;
    }

    /// <summary>One more record of a key: its count, and its largest timestamp (the first record's after a flush).</summary>
    private void Count(ref long count, ref long latest, long timestamp)
    {
        if (count++ == 0)
        {
            latest = timestamp;
            _counted++;
        }
        else
        {
            latest = Math.Max(latest, timestamp);
        }
    }

    /// <summary>Asks the processor to fetch the slot at <paramref name="at"/> into its caches, and goes on.</summary>
    private unsafe void Prefetch(int at)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((void*)(_slotAddress + (at * SlotBytes)));
        }
    }

    /// <summary>
    /// The keys counted since the last flush with their counts, in the order they came, taken out of the table (their
    /// counts back at 0); valid until the next call. <see cref="Flushed"/> follows once they are sent.
    /// </summary>
    public ReadOnlySpan<Partial> TakeCounted()
    {
        CountPending();
        if (_counted == 0)
        {
            return [];
        }

        if (_flushing.Length < _counted)
        {
            _flushing = new Partial[Math.Max(_counted, _flushing.Length * 2)];
        }

        // The table's slots are read in key order, so all over it: the counted ones are taken out first, in a loop
        // so small that the processor fetches many slots at once, rather than one after the other between the
        // sends, each fetch a wait of its own.
        var taken = 0;
        for (var i = 0; i < _entryCount; i++)
        {
            if (_byKey)
            {
                var at = _order[i];
                ref var slot = ref SlotAt(at);
                if (slot.Count > 0)
                {
                    _flushing[taken++] = new Partial(_keys[at]) { Count = slot.Count, Timestamp = slot.Timestamp };
                    slot.Count = 0;
                }
            }
            else
            {
                ref var partial = ref _entries[i];
                if (partial.Count > 0)
                {
                    _flushing[taken++] = partial;
                    partial.Count = 0;
                }
            }
        }

        _counted = 0;
        return _flushing.AsSpan(0, taken);
    }

    /// <summary>After a flush: the keys are forgotten if they outgrew the budget.</summary>
    public void Flushed()
    {
        if (_bytes > _maxBytes || _full)
        {
            Forget();
        }
    }

    /// <inheritdoc/>
    public void Clear()
    {
        Array.Clear(_pending);
        _pendingCount = 0;
        _counted = 0;
        Forget();
    }

    private void Forget()
    {
        _bySerializedKey.Clear();
        Array.Clear(_entries);
        Array.Clear(_flushing);

        // The slots stay (their memory stays counted): a table that outgrows its budget once does so at every
        // commit, and pinned arrays allocated anew each time would be freed only by full collections.
        Array.Clear(_slotMemory);
        Array.Clear(_keys);
        _entryCount = 0;
        _bytes = (long)_capacity * SlotBytes;
        _full = false;
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

        _entries[_entryCount] = new Partial(key);
        _bytes += bytes.Length + EntryOverhead;
        return _entryCount++;
    }

    /// <summary>The slot of <paramref name="key"/> in the table, a new one (count 0) if the key has none.</summary>
    private int SlotOf(TKey key, int hash)
    {
        // A string's length, or -1 for an int or long key (whose bytes are inline whatever their value).
        var length = _stringKeys ? Unsafe.As<TKey, string>(ref key).Length : -1;
        var mask = _capacity - 1;
        var at = hash & mask;
        while (_capacity > 0)
        {
            ref var slot = ref SlotAt(at);
            if (slot.Hash == hash && slot.Length == length && KeyEquals(ref slot, at, key))
            {
                return at;
            }

            if (slot.Hash == 0)
            {
                break;
            }

            at = (at + 1) & mask;
        }

        if (MustGrow())
        {
            Grow();
            mask = _capacity - 1;
            at = hash & mask;
            while (SlotAt(at).Hash != 0)
            {
                at = (at + 1) & mask;
            }
        }

        ref var added = ref SlotAt(at);
        added.Hash = hash;
        added.Length = length;
        if (!_stringKeys)
        {
            Unsafe.As<InlineKey, TKey>(ref added.Key) = key;
        }
        else if (length <= InlineChars)
        {
            Unsafe.As<TKey, string>(ref key).CopyTo(MemoryMarshal.Cast<long, char>((Span<long>)added.Key));
        }

        _keys[at] = key;
        _bytes += _keyWriter!.Size(key) + KeyOverhead;
        if (_entryCount == _order.Length)
        {
            Array.Resize(ref _order, _order.Length * 2);
        }

        _order[_entryCount++] = at;
        return at;
    }

    /// <summary>
    /// Whether the table must grow before one more key. Past 5/8 full it grows while its slots stay within half the
    /// budget; beyond that it is full: it asks for a flush (after which its keys are forgotten) and fills on meanwhile,
    /// up to 15/16 (the keys still pending when it was found full).
    /// </summary>
    private bool MustGrow()
    {
        var keys = _entryCount + 1;
        if (keys * 8 <= _capacity * 5)
        {
            return false;
        }

        if ((long)_capacity * 2 * SlotBytes <= Math.Max(_maxBytes / 2, 64 * SlotBytes))
        {
            return true;
        }

        _full = true;
        return keys * 16 > _capacity * 15;
    }

    /// <summary>Moves the keys to a table twice as large (the first: 64 slots).</summary>
    private void Grow()
    {
        var oldMemory = _slotMemory;
        var oldOffset = _slotOffset;
        var oldKeys = _keys;
        var oldCapacity = _capacity;
        _capacity = Math.Max(64, _capacity * 2);

        // Pinned, so each slot stays on a line of its own: the slots start at the array's first cache-line boundary.
        _slotMemory = GC.AllocateArray<byte>((_capacity + 1) * SlotBytes, pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(_slotMemory, 0);
        _slotOffset = (int)((SlotBytes - (address & (SlotBytes - 1))) & (SlotBytes - 1));
        _slotAddress = address + _slotOffset;
        _keys = new TKey[_capacity];
        _bytes += (long)(_capacity - oldCapacity) * SlotBytes;
        var mask = _capacity - 1;
        var movedTo = new int[oldCapacity];
        for (var i = 0; i < oldCapacity; i++)
        {
            ref var old = ref Unsafe.As<byte, Slot>(ref oldMemory[oldOffset + (i * SlotBytes)]);
            if (old.Hash == 0)
            {
                continue;
            }

            var at = old.Hash & mask;
            while (SlotAt(at).Hash != 0)
            {
                at = (at + 1) & mask;
            }

            SlotAt(at) = old;
            _keys[at] = oldKeys[i];
            movedTo[i] = at;
        }

        for (var i = 0; i < _entryCount; i++)
        {
            _order[i] = movedTo[_order[i]];
        }
    }

    private ref Slot SlotAt(int at) => ref Unsafe.As<byte, Slot>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slotMemory), _slotOffset + (at * SlotBytes)));

    // Strings compare ordinally (as their UTF-8 bytes would), through string's own methods rather than the shared
    // generic code's comparer lookup; int and long keys get code of their own, where the comparer is inlined. A
    // string's hash is XXH3 of its chars, seeded per table so keys that collide cannot be chosen in advance (as
    // string.GetHashCode's Marvin is seeded per process): for the short words of a word count, 7 ns a key where
    // Marvin's chain of rounds took 12. An int or long's hash is mixed (murmur3's finalizer): an int is its own
    // hash, and keys a multiple of the table's size apart would otherwise all probe from the same place. The top
    // bit is set, so no key's hash is 0 (a free slot's).
    private int Hash(TKey key)
    {
        if (_stringKeys)
        {
            var chars = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(Unsafe.As<TKey, string>(ref key).AsSpan()), _seed);
            return (int)(chars ^ (chars >> 32)) | int.MinValue;
        }

        var hash = (uint)EqualityComparer<TKey>.Default.GetHashCode(key!);
        hash = (hash ^ (hash >> 16)) * 0x85EBCA6B;
        hash = (hash ^ (hash >> 13)) * 0xC2B2AE35;
        return (int)(hash ^ (hash >> 16)) | int.MinValue;
    }

    /// <summary>Whether the key in <paramref name="slot"/> (of the same hash and length) is <paramref name="key"/>.</summary>
    private bool KeyEquals(ref Slot slot, int at, TKey key)
    {
        if (!_stringKeys)
        {
            return EqualityComparer<TKey>.Default.Equals(Unsafe.As<InlineKey, TKey>(ref slot.Key), key);
        }

        var chars = Unsafe.As<TKey, string>(ref key);
        return chars.Length <= InlineChars
            ? MemoryMarshal.Cast<long, char>((ReadOnlySpan<long>)slot.Key)[..chars.Length].SequenceEqual(chars)
            : string.Equals(Unsafe.As<TKey, string>(ref _keys[at]), chars);
    }

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
    internal struct Partial(TKey key)
    {
        public readonly TKey Key = key;
        public long Count;
        public long Timestamp;
    }

    private readonly record struct PendingKey(TKey Key, int Hash, long Timestamp);

    /// <summary>A key in the table: one cache line, no references.</summary>
    [StructLayout(LayoutKind.Sequential, Size = SlotBytes)]
    private struct Slot
    {
        public int Hash;
        public int Length;
        public long Count;
        public long Timestamp;
        public InlineKey Key;
    }

    /// <summary>A string key's chars (up to <see cref="InlineChars"/>), or an int or long key's value.</summary>
    [InlineArray(5)]
    private struct InlineKey
    {
        private long _element;
    }
}
