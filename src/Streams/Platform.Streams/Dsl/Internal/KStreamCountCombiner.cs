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
    // The slot of a key by its serialized bytes, or (_byKey, when equal keys serialize to equal bytes) as it is.
    private readonly Dictionary<Bytes, int> _bySerializedKey = new(BytesComparer.Instance);
    private Dictionary<Bytes, int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private Dictionary<Key, int>? _byKey;
    private Partial[] _slots = new Partial[64];
    private int _slotCount;

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
        _byKey = _keySerializer is StringSerde or Int32Serde or Int64Serde ? [] : null;

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
            _byKey?.Clear();
            Array.Clear(_slots, 0, _slotCount);
            _slotCount = 0;
            _bytes = 0;
        }
    }

    /// <summary>The slot of <paramref name="key"/>, a new one (count 0) if the key has none.</summary>
    private ref Partial Slot(TKey key)
    {
        bool exists;
        int size;
        if (_byKey is not null)
        {
            ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_byKey, new Key(key), out exists);
            if (exists)
            {
                return ref _slots[index];
            }

            size = _keyWriter!.Size(key);
            index = _slotCount;
        }
        else
        {
            var bytes = SerializeKey(key);
            ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, bytes, out exists);
            if (exists)
            {
                return ref _slots[index];
            }

            size = bytes.Length;
            index = _slotCount;
        }

        if (_slotCount == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }

        _bytes += size + EntryOverhead;
        ref var slot = ref _slots[_slotCount++];
        slot = new Partial(key);
        return ref slot;
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

    /// <summary>A key as a dictionary key (a struct: never null, whatever <typeparamref name="TKey"/> allows).</summary>
    private readonly record struct Key(TKey Value);

    private struct Partial(TKey key)
    {
        public readonly TKey Key = key;
        public long Count;
        public long Timestamp;
    }
}
