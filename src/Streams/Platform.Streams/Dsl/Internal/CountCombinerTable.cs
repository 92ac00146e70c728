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
/// by the sink, once per key and flush instead of per record. Within its budget: a record of a key it has no room for
/// is passed on as it is (a count of 1).
/// </summary>
internal sealed class CountCombinerTable<TKey> : ICombinerTable
{
    // A rough per-key cost besides the key's bytes: by serialized key, the entries, the Bytes and its array header; by
    // key, the key object and its place in the key and order arrays (the slots are counted as the table grows).
    private const int EntryOverhead = 64;
    private const int KeyOverhead = 48;
    private const int SlotBytes = 32;
    private const int InlineChars = 8;

    // A slot's hash holds the key's shape in bits 27-30 (so keys of different shapes never compare equal), the hash
    // proper in bits 0-26 and its top bit set (0 is a free slot): a string's length when its chars are inline, or one of
    // these.
    private const int LongString = InlineChars + 1;
    private const int Number = InlineChars + 2;
    private const int ShapeShift = 27;
    private const int HashBits = (1 << ShapeShift) - 1;

    // A key's count is flushed before it could overflow a slot's int (a few pending records of it may still come).
    private const int MaxCount = int.MaxValue - 1024;

    // Each key seen has an entry, kept across flushes (its count back at 0) while the budget has room (see Flushed):
    // most keys come again, and a kept key is neither added anew nor copied by the GC as a new object per flush.
    // Keys by their serialized bytes: the number of their entry, dense from 0.
    private readonly Dictionary<Bytes, int> _bySerializedKey = new(BytesComparer.Instance);
    private readonly Dictionary<Bytes, int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private int _entryCount;

    // Keys as they are (when equal keys serialize to equal bytes): an open-addressing table (linear probing, at most
    // 5/8 full) of 32-byte slots, two to a cache line, with the key's hash (0: free), its count and timestamp, and a
    // key of up to 8 chars (or an int or long) inline as two longs. A word count looks up every word among thousands
    // of keys, and between two lookups of a word its slot has left the processor's nearest caches (the records'
    // allocations pass through them), so each line a lookup reads is a wait. Entries of 32 bytes (half of them across
    // two lines) and the key's string beside: 30% of a word count's stream thread. One-line slots of 64 bytes with
    // 20 chars inline, fetched ahead (see _pending): 23%, the table (1 MB for 10,000 words) twice the size of this
    // processor's L2 cache. Slots of 32 bytes halve it; a longer string is compared through its object (in _keys).
    // The key objects are beside, read to add or send a key.
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
    // side by side instead of one wait after the other. A key inline is kept as its two longs, so the hot path writes
    // no reference (each a GC write barrier): a new one is made again from them. Only a longer string is kept itself.
    private readonly PendingKey[] _pending = new PendingKey[16];
    private readonly TKey[] _pendingKeys = new TKey[16];
    private int _pendingCount;
    private bool _pendingLongStrings;

    // Where each key's slot is, in the order the keys came: a flush sends in this order, the keys' own (their
    // strings were allocated in it, so reading them for the sends goes through memory in order).
    private int[] _order = new int[64];

    // Keys counted since the last flush, and copies of their entries while a flush sends them (_taken of them).
    private int _counted;
    private Partial[] _flushing = [];
    private int _taken;

    // The records of keys the table had no room for since they were last taken, each a count of 1 to send as it is;
    // and whether any was refused since the last flush (see Flushed).
    private Partial[] _passed = new Partial[16];
    private int _passedCount;
    private bool _refused;
    private readonly ISerializer<TKey> _keySerializer;
    private readonly ISpanWriter<TKey>? _keyWriter;
    private readonly long _maxBytes;
    private byte[] _scratch = new byte[256];
    private long _bytes;

    // A key's count is near what a slot holds: flush now.
    private bool _flushNow;
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

    /// <summary>
    /// Counts one record of <paramref name="key"/>. True when the combiner has something to do now: records to send as
    /// they are (<see cref="TakePassed"/>: keys the full table had no room for), or a flush (<see cref="FlushRequested"/>).
    /// </summary>
    public bool Add(TKey key, long timestamp)
    {
        if (_maxBytes == 0)
        {
            // No budget (caching off): every record is sent at once.
            Pass(key, timestamp);
            return true;
        }

        if (_byKey)
        {
            // Counted with the next ones, once their slots are in the cache (see _pending).
            var hash = Inline(key, out var lo, out var hi);
            if (_capacity > 0)
            {
                Prefetch(hash & (_capacity - 1));
            }

            if (IsLongString(hash))
            {
                _pendingKeys[_pendingCount] = key;
                _pendingLongStrings = true;
            }

            _pending[_pendingCount] = new PendingKey(hash, timestamp, lo, hi);
            if (++_pendingCount == _pending.Length)
            {
                CountPending();
            }
        }
        else if (EntryBySerializedKey(key) is var entry and >= 0)
        {
            ref var partial = ref _entries[entry];
            Count(ref partial.Count, ref partial.Timestamp, timestamp);
        }
        else
        {
            Pass(key, timestamp);
        }

        return _passedCount > 0 || _flushNow;
    }

    /// <summary>Whether the table asks for a flush before the next commit: a key's count is near what a slot holds.</summary>
    public bool FlushRequested => _flushNow;

    /// <summary>
    /// The records of keys the table had no room for, each a count of 1 with its own timestamp, taken out of the table;
    /// valid until the next call.
    /// </summary>
    public ReadOnlySpan<Partial> TakePassed()
    {
        var passed = _passed.AsSpan(0, _passedCount);
        _passedCount = 0;
        return passed;
    }

    /// <summary>A record of a key the table has no room for: sent as a count of 1 (see <see cref="Flushed"/>).</summary>
    private void Pass(TKey key, long timestamp)
    {
        if (_passedCount == _passed.Length)
        {
            Array.Resize(ref _passed, _passed.Length * 2);
        }

        _passed[_passedCount++] = new Partial(key) { Count = 1, Timestamp = timestamp };
        _refused = true;
    }

    private void CountPending()
    {
        for (var i = 0; i < _pendingCount; i++)
        {
            ref var pending = ref _pending[i];
            var at = SlotOf(ref pending, i, keyGiven: false, out var refused);
            if (at < 0)
            {
                Pass(refused, pending.Timestamp);
                continue;
            }

            ref var slot = ref SlotAt(at);
            if (slot.Count++ == 0)
            {
                slot.Timestamp = pending.Timestamp;
                _counted++;
            }
            else
            {
                slot.Timestamp = Math.Max(slot.Timestamp, pending.Timestamp);
                if (slot.Count >= MaxCount)
                {
                    _flushNow = true;
                }
            }
        }

        if (_pendingLongStrings)
        {
            Array.Clear(_pendingKeys, 0, _pendingCount);
            _pendingLongStrings = false;
        }

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
        _taken = 0;
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
        _taken = taken;
        return _flushing.AsSpan(0, taken);
    }

    /// <summary>
    /// After a flush (the keys taken and the passed records sent). If the table refused a key since the last flush, it
    /// keeps only the keys counted since then and forgets the others, idle for a commit interval, to make room: a full
    /// table holds the keys that keep coming (with many distinct keys, the frequent ones, which come early and
    /// often), and the rest pass through as they would with no combiner. A table that sent and forgot all its keys
    /// when full, to fill again from nothing, sent as many records as no combiner with 30,000 words for its 20,000.
    /// </summary>
    public void Flushed()
    {
        _flushNow = false;
        Array.Clear(_passed, 0, _passed.Length);
        if (!_refused)
        {
            return;
        }

        _refused = false;
        if (_taken < _entryCount)
        {
            ForgetKeys();
            foreach (ref readonly var partial in _flushing.AsSpan(0, _taken))
            {
                Keep(partial.Key);
            }

            Array.Clear(_flushing, 0, _taken);
        }
    }

    /// <summary>Adds <paramref name="key"/> again (count 0) after <see cref="ForgetKeys"/>: the table has room for it.</summary>
    private void Keep(TKey key)
    {
        if (!_byKey)
        {
            EntryBySerializedKey(key);
            return;
        }

        // As a pending key (none is pending during a flush).
        var hash = Inline(key, out var lo, out var hi);
        _pending[0] = new PendingKey(hash, 0, lo, hi);
        _pendingKeys[0] = key;
        SlotOf(ref _pending[0], 0, keyGiven: true, out _);
        _pendingKeys[0] = default!;
    }

    /// <inheritdoc/>
    public void Clear()
    {
        Array.Clear(_pendingKeys);
        _pendingLongStrings = false;
        _pendingCount = 0;
        _counted = 0;
        _taken = 0;
        Array.Clear(_passed);
        _passedCount = 0;
        _refused = false;
        _flushNow = false;
        Array.Clear(_flushing);
        ForgetKeys();
    }

    private void ForgetKeys()
    {
        _bySerializedKey.Clear();
        Array.Clear(_entries);

        // The slots stay (their memory stays counted): a table that outgrows its budget once does so at every
        // commit, and pinned arrays allocated anew each time would be freed only by full collections.
        Array.Clear(_slotMemory);
        Array.Clear(_keys);
        _entryCount = 0;
        _bytes = (long)_capacity * SlotBytes;
    }

    /// <summary>
    /// The entry of <paramref name="key"/> by its serialized bytes, a new one (count 0) if the key has none and the budget
    /// has room for it; else -1.
    /// </summary>
    private int EntryBySerializedKey(TKey key)
    {
        var bytes = SerializeKey(key);
        if (_lookup.TryGetValue(bytes, out var found))
        {
            return found;
        }

        if (_bytes + bytes.Length + EntryOverhead > _maxBytes)
        {
            return -1;
        }

        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, bytes, out _);
        index = _entryCount;
        if (_entryCount == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_entryCount] = new Partial(key);
        _bytes += bytes.Length + EntryOverhead;
        return _entryCount++;
    }

    /// <summary>
    /// The slot of the <paramref name="index"/>th pending key in the table, a new one (count 0) if the key has none and
    /// the table has room for it; else -1, and the key in <paramref name="refused"/>. With <paramref name="keyGiven"/>,
    /// the key itself is in <c>_pendingKeys</c> whatever its shape.
    /// </summary>
    private int SlotOf(ref PendingKey pending, int index, bool keyGiven, out TKey refused)
    {
        var hash = pending.Hash;
        var mask = _capacity - 1;
        var at = hash & mask;
        while (_capacity > 0)
        {
            ref var slot = ref SlotAt(at);
            if (slot.Hash == hash && slot.Lo == pending.Lo && slot.Hi == pending.Hi
                && (!IsLongString(hash) || string.Equals(Unsafe.As<TKey, string>(ref _keys[at]), Unsafe.As<TKey, string>(ref _pendingKeys[index]))))
            {
                refused = default!;
                return at;
            }

            if (slot.Hash == 0)
            {
                break;
            }

            at = (at + 1) & mask;
        }

        var key = keyGiven ? _pendingKeys[index] : PendingKeyAt(index);
        var size = _keyWriter!.Size(key) + KeyOverhead;
        if (_bytes + size > _maxBytes || !MayHoldOneMore())
        {
            refused = key;
            return -1;
        }

        if ((_entryCount + 1) * 8 > _capacity * 5)
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
        added.Lo = pending.Lo;
        added.Hi = pending.Hi;
        _keys[at] = key;
        _bytes += size;
        if (_entryCount == _order.Length)
        {
            Array.Resize(ref _order, _order.Length * 2);
        }

        _order[_entryCount++] = at;
        refused = default!;
        return at;
    }

    /// <summary>
    /// Whether the table may hold one more key: within 5/8 of its slots, or after growing, which it does while its slots
    /// stay within half the budget (64 slots at least).
    /// </summary>
    private bool MayHoldOneMore()
    {
        var keys = _entryCount + 1;
        return keys * 8 <= _capacity * 5 || (long)_capacity * 2 * SlotBytes <= Math.Max(_maxBytes / 2, 64 * SlotBytes);
    }

    /// <summary>The <paramref name="index"/>th pending key: a longer string as it came, an inline key made again.</summary>
    private TKey PendingKeyAt(int index)
    {
        ref var pending = ref _pending[index];
        return IsLongString(pending.Hash) ? _pendingKeys[index] : KeyOf(pending.Hash, pending.Lo, pending.Hi);
    }

    /// <summary>Moves the keys to a table twice as large (the first: 64 slots).</summary>
    private void Grow()
    {
        var oldMemory = _slotMemory;
        var oldOffset = _slotOffset;
        var oldKeys = _keys;
        var oldCapacity = _capacity;
        _capacity = Math.Max(64, _capacity * 2);

        // Pinned, so no slot straddles two cache lines: the slots start at the array's first cache-line boundary.
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

    /// <summary>
    /// The slot hash of <paramref name="key"/>, and the key inline as two longs: a string of up to 8 chars (2 bytes
    /// each: the first 4 and the last 4, overlapping when shorter, or the chars and zeros under 4; with the length in
    /// the hash, no two strings have the same), or an int or long. A longer string is compared through its object (both
    /// longs 0). Strings compare ordinally (as their UTF-8 bytes would). An inline key's hash mixes its two longs with
    /// the table's seed in one 64x64-bit multiplication (wyhash's), a longer string's is XXH3 of its chars; seeded per
    /// table so keys that collide cannot be chosen in advance (as string.GetHashCode's Marvin is seeded per process).
    /// For the short words of a word count the multiplication is a few instructions where XXH3 of the chars took 7
    /// ns and Marvin's chain of rounds 12. Ints and longs are mixed the same way: an int is its own hash, and keys a
    /// multiple of the table's size apart would otherwise all probe from the same place.
    /// </summary>
    private int Inline(TKey key, out ulong lo, out ulong hi)
    {
        int shape;
        if (_stringKeys)
        {
            var chars = Unsafe.As<TKey, string>(ref key);
            ref var first = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(chars.AsSpan()));
            hi = 0;
            switch (chars.Length)
            {
                case > InlineChars:
                    lo = 0;
                    var xxh = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(chars.AsSpan()), _seed);
                    return Shaped(xxh ^ (xxh >> 32), LongString);
                case >= 4:
                    lo = Unsafe.ReadUnaligned<ulong>(ref first);
                    hi = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, (chars.Length - 4) * 2));
                    break;
                case 3:
                    lo = Unsafe.ReadUnaligned<uint>(ref first) | ((ulong)chars[2] << 32);
                    break;
                case 2:
                    lo = Unsafe.ReadUnaligned<uint>(ref first);
                    break;
                case 1:
                    lo = chars[0];
                    break;
                default:
                    lo = 0;
                    break;
            }

            shape = chars.Length;
        }
        else
        {
            lo = typeof(TKey) == typeof(int) ? (ulong)Unsafe.As<TKey, int>(ref key) : (ulong)Unsafe.As<TKey, long>(ref key);
            hi = 0;
            shape = Number;
        }

        var high = Math.BigMul(lo ^ (ulong)_seed ^ 0xA0761D6478BD642F, hi ^ 0xE7037ED1A0B428DB, out var low);
        return Shaped(high ^ low, shape);
    }

    /// <summary>Whether a slot hash is a longer string's: its key is not inline, but compared through its object.</summary>
    private static bool IsLongString(int hash) => hash >>> ShapeShift == 16 + LongString;

    private static int Shaped(ulong mixed, int shape) => ((int)(mixed ^ (mixed >> 32)) & HashBits) | ((16 + shape) << ShapeShift);

    /// <summary>The key of an inline slot, made again from its hash's shape and its two longs.</summary>
    private TKey KeyOf(int hash, ulong lo, ulong hi)
    {
        var shape = (hash >>> ShapeShift) - 16;
        if (shape == Number)
        {
            return Unsafe.As<ulong, TKey>(ref lo);
        }

        var key = string.Create(shape, (lo, hi), static (chars, longs) =>
        {
            Span<ulong> both = [longs.lo, longs.hi];
            var bytes = MemoryMarshal.AsBytes(both);
            if (chars.Length >= 4)
            {
                MemoryMarshal.Cast<byte, char>(bytes[..8]).CopyTo(chars);
                MemoryMarshal.Cast<byte, char>(bytes[8..]).CopyTo(chars[^4..]);
            }
            else
            {
                MemoryMarshal.Cast<byte, char>(bytes)[..chars.Length].CopyTo(chars);
            }
        });
        return Unsafe.As<string, TKey>(ref key);
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

    /// <summary>A key added since the last lookup (see _pending), inline (see <see cref="Inline"/>).</summary>
    private readonly record struct PendingKey(int Hash, long Timestamp, ulong Lo, ulong Hi);

    /// <summary>A key in the table: half a cache line, no references.</summary>
    [StructLayout(LayoutKind.Sequential, Size = SlotBytes)]
    private struct Slot
    {
        public int Hash;
        public int Count;
        public long Timestamp;
        public ulong Lo;
        public ulong Hi;
    }
}
