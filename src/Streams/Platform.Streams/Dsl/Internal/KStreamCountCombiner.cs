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
/// partitioner compare them, so keys a type's <c>Equals</c> mixes up stay apart. Records with a null key or value
/// are dropped here, as the count would drop them.
/// </summary>
internal sealed class KStreamCountCombiner<TKey, TValue>(string name, string repartitionTopic, ISerializer<TKey>? keySerializer)
    : ContextualProcessor<TKey, TValue, TKey, long?>, IBufferingProcessor
{
    /// <summary>The most a combiner holds per task (bytes of keys and entries), if the record cache is larger.</summary>
    public const long MaxBytes = 1 << 20;

    // A rough per-key cost besides the key's bytes: the entry, the Bytes and its array header.
    private const int EntryOverhead = 64;

    private readonly Dictionary<Bytes, Partial> _partials = new(BytesComparer.Instance);
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

        var key = SerializeKey(record.Key);
        ref var partial = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, key, out var exists);
        if (exists)
        {
            partial.Count++;
            partial.Timestamp = Math.Max(partial.Timestamp, record.Timestamp);
            return;
        }

        partial = new Partial(record.Key, 1, record.Timestamp);
        _bytes += key.Length + EntryOverhead;
        if (_bytes > _maxBytes)
        {
            Flush();
        }
    }

    public void Flush()
    {
        if (_partials.Count == 0)
        {
            return;
        }

        foreach (var partial in _partials.Values)
        {
            Context.Forward(new Record<TKey, long?>(partial.Key, partial.Count, partial.Timestamp, PartialCountSerde.Marker));
        }

        _partials.Clear();
        _bytes = 0;
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

    private struct Partial(TKey key, long count, long timestamp)
    {
        public readonly TKey Key = key;
        public long Count = count;
        public long Timestamp = timestamp;
    }
}
