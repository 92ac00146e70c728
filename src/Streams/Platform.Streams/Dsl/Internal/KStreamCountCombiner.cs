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

    // A rough per-key cost besides the key's bytes: the entry, the Bytes and its array header.
    private const int EntryOverhead = 64;

    private readonly Dictionary<Bytes, Partial> _partials = new(BytesComparer.Instance);

    // The partials by key as it is, when equal keys serialize to equal bytes (else null, and _partials is used).
    private Dictionary<Key, Partial>? _byKey;
    private ISerializer<TKey> _keySerializer = null!;
    private ISpanWriter<TKey>? _keyWriter;
    private long _maxBytes;
    private Dictionary<Bytes, Partial>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private byte[] _scratch = new byte[256];
    private long _bytes;
    private string _topic = "";

    public override void Init(IProcessorContext<TKey, long?> context)
    {
        base.Init(context);
        _lookup = _partials.GetAlternateLookup<ReadOnlySpan<byte>>();
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

        ref var partial = ref Find(record.Key, out var exists, out var keySize);
        if (exists)
        {
            partial.Count++;
            partial.Timestamp = Math.Max(partial.Timestamp, record.Timestamp);
            return;
        }

        partial = new Partial(record.Key, 1, record.Timestamp);
        _bytes += keySize + EntryOverhead;
        if (_bytes > _maxBytes)
        {
            Flush();
        }
    }

    public void Flush()
    {
        if ((_byKey?.Count ?? _partials.Count) == 0)
        {
            return;
        }

        if (_byKey is not null)
        {
            foreach (var partial in _byKey.Values)
            {
                Forward(partial);
            }

            _byKey.Clear();
        }
        else
        {
            foreach (var partial in _partials.Values)
            {
                Forward(partial);
            }

            _partials.Clear();
        }

        _bytes = 0;
    }

    private void Forward(in Partial partial)
        => Context.Forward(new Record<TKey, long?>(partial.Key, partial.Count, partial.Timestamp, PartialCountSerde.Marker));

    /// <summary>The partial of <paramref name="key"/>, added if new (then <paramref name="size"/> is its serialized size).</summary>
    private ref Partial Find(TKey key, out bool exists, out int size)
    {
        if (_byKey is not null)
        {
            ref var partial = ref CollectionsMarshal.GetValueRefOrAddDefault(_byKey, new Key(key), out exists);
            size = exists ? 0 : _keyWriter!.Size(key);
            return ref partial;
        }

        var bytes = SerializeKey(key);
        size = bytes.Length;
        return ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, bytes, out exists);
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

    private struct Partial(TKey key, long count, long timestamp)
    {
        public readonly TKey Key = key;
        public long Count = count;
        public long Timestamp = timestamp;
    }
}
