using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Platform.Client.Serialization;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The local half of a two-phase count (Flink's local-global aggregation, a combiner before the shuffle): in
/// front of the repartition topic that feeds a <c>Count</c>, it adds up the records per key until the next commit
/// (or until its buffer is full) and writes one record per key holding the partial count (format in
/// <see cref="PartialCountSerde"/>), stamped with the largest timestamp of the records it stands for. The
/// count downstream adds the partial counts, so its results are the same and each key's counts still increase;
/// only updates in between are fewer. Keys are compared by their serialized bytes, as the count's store and the
/// partitioner compare them, so keys a type's <c>Equals</c> mixes up stay apart; except under the built-in string
/// and integer serdes, where equal keys are equal bytes (strings compare ordinally and UTF-8 has one encoding), so
/// keys are compared as they are and serialized only by the sink, once per key and flush instead of per record.
/// Records with a null key or value are dropped here, as the count would drop them.
/// </summary>
internal sealed class KStreamCountCombiner<TKey, TValue>(string name, string repartitionTopic, ISerializer<TKey>? keySerializer)
    : ContextualProcessor<TKey, TValue, TKey, long?>, IBufferingProcessor
{
    /// <summary>The most a combiner holds per task (bytes of keys and entries), if the record cache is larger.</summary>
    public const long MaxBytes = 1 << 20;

    // A rough per-key cost besides the key's bytes: the entries, the Bytes and its array header.
    private const int EntryOverhead = 64;

    // Each key seen has a slot, kept across flushes (its count back at 0) until the slots outgrow the budget: most
    // keys come again, and a kept key is neither added anew nor copied by the GC as a new object per flush.
    // The slot of a key by its serialized bytes, or (when equal keys serialize to equal bytes) by the key as it is.
    private readonly Dictionary<Bytes, int> _bySerializedKey = new(BytesComparer.Instance);
    private Dictionary<Bytes, int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private Partial[] _slots = new Partial[64];
    private int _slotCount;

    // Keys as they are: an open-addressing table (linear probing, at most half full) of slot numbers + 1 (0: free),
    // and each slot holds its key's hash. A word count looks up every word here among thousands of keys; through a
    // Dictionary that took a fifth of the stream thread: its buckets, its entries, then the slot, each a cache miss,
    // and the key's generic equality and hash looked up per call. Here a hit reads the table, the slot and the key.
    private bool _byKey;
    private bool _stringKeys;
    private int[] _index = [];

    // Slots with a count above 0: what the next flush sends.
    private int _counted;
    private ISerializer<TKey> _keySerializer = null!;
    private ISpanWriter<TKey>? _keyWriter;
    private long _maxBytes;
    private byte[] _scratch = new byte[256];
    private long _bytes;
    private string _topic = "";

    public override void Init(IProcessorContext<TKey, long?> context)
    {
        base.Init(context);
        _lookup = _bySerializedKey.GetAlternateLookup<ReadOnlySpan<byte>>();
        _keySerializer = keySerializer ?? Defaults.Serde<TKey>(context.Config, isKey: true, $"processor '{name}'");
        _keyWriter = _keySerializer as ISpanWriter<TKey>;
        _stringKeys = _keySerializer is StringSerde;
        _byKey = _stringKeys || _keySerializer is Int32Serde or Int64Serde;
        _index = _byKey ? new int[128] : [];

        // A share of the record cache per task: with caching off (0) nothing is held back either.
        _maxBytes = Math.Min(context.Config.StateStoreCacheMaxBytes, MaxBytes);
        // The key is serialized as the sink will write it to the (decorated) repartition topic.
        _topic = context.ApplicationId + "-" + repartitionTopic;
    }

    public override void Process(Record<TKey, TValue> record)
    {
        if (record.Key is null || record.Value is null)
        {
            return;
        }

        ref var partial = ref Slot(record.Key);
        if (partial.Count++ == 0)
        {
            partial.Timestamp = record.Timestamp;
            _counted++;
        }
        else
        {
            partial.Timestamp = Math.Max(partial.Timestamp, record.Timestamp);
        }

        if (_bytes > _maxBytes)
        {
            Flush();
        }
    }

    public void Flush()
    {
        if (_counted > 0)
        {
            _counted = 0;
            for (var i = 0; i < _slotCount; i++)
            {
                ref var partial = ref _slots[i];
                if (partial.Count > 0)
                {
                    Context.Forward(new Record<TKey, long?>(partial.Key, partial.Count, partial.Timestamp, PartialCountSerde.Marker));
                    partial.Count = 0;
                }
            }
        }

        if (_bytes > _maxBytes)
        {
            _bySerializedKey.Clear();
            Array.Clear(_index);
            Array.Clear(_slots, 0, _slotCount);
            _slotCount = 0;
            _bytes = 0;
        }
    }

    /// <summary>The slot of <paramref name="key"/>, a new one (count 0) if the key has none.</summary>
    private ref Partial Slot(TKey key)
    {
        if (_byKey)
        {
            return ref SlotByKey(key);
        }

        var bytes = SerializeKey(key);
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, bytes, out var exists);
        if (exists)
        {
            return ref _slots[index];
        }

        index = _slotCount;
        return ref AddSlot(key, bytes.Length, 0);
    }

    private ref Partial SlotByKey(TKey key)
    {
        var hash = Hash(key);
        var index = _index;
        var mask = index.Length - 1;
        var at = hash & mask;
        for (var taken = index[at]; taken != 0; taken = index[at])
        {
            ref var slot = ref _slots[taken - 1];
            if (slot.Hash == hash && KeyEquals(slot.Key, key))
            {
                return ref slot;
            }

            at = (at + 1) & mask;
        }

        index[at] = _slotCount + 1;
        ref var added = ref AddSlot(key, _keyWriter!.Size(key), hash);
        if (_slotCount * 2 > index.Length)
        {
            GrowIndex();
        }

        return ref added;
    }

    private ref Partial AddSlot(TKey key, int size, int hash)
    {
        if (_slotCount == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }

        _bytes += size + EntryOverhead;
        ref var slot = ref _slots[_slotCount++];
        slot = new Partial(key, hash);
        return ref slot;
    }

    private void GrowIndex()
    {
        var index = new int[_index.Length * 2];
        var mask = index.Length - 1;
        for (var i = 0; i < _slotCount; i++)
        {
            var at = _slots[i].Hash & mask;
            while (index[at] != 0)
            {
                at = (at + 1) & mask;
            }

            index[at] = i + 1;
        }

        _index = index;
    }

    // Strings compare ordinally (as their UTF-8 bytes would), through string's own methods rather than the shared
    // generic code's comparer lookup; int and long keys get code of their own, where the comparer is inlined. The
    // hash is mixed (murmur3's finalizer): an int is its own hash, and keys a multiple of the table's size apart
    // would otherwise all probe from the same place.
    private int Hash(TKey key)
    {
        var hash = (uint)(_stringKeys ? Unsafe.As<TKey, string>(ref key).GetHashCode() : EqualityComparer<TKey>.Default.GetHashCode(key!));
        hash = (hash ^ (hash >> 16)) * 0x85EBCA6B;
        hash = (hash ^ (hash >> 13)) * 0xC2B2AE35;
        return (int)(hash ^ (hash >> 16));
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

    private struct Partial(TKey key, int hash)
    {
        public readonly TKey Key = key;
        public readonly int Hash = hash;
        public long Count;
        public long Timestamp;
    }
}
