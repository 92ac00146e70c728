using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The window store of one side of a stream-stream join: every record is kept under its key and timestamp
/// (duplicates retained, told apart by a sequence number) for the join window plus grace, then dropped. It is a
/// typed view over a key-value byte store whose keys have Kafka's window-store layout (key, 8-byte big-endian
/// timestamp, 4-byte sequence number), so the byte store's changelog and restoration serve it unchanged and the
/// changelog reads like Kafka's. Expired records are skipped at once and deleted in sweeps, one per half
/// retention of stream time, so each record is visited a bounded number of times.
/// </summary>
internal sealed class JoinWindowStore<TKey, TValue> : IWindowStore<TKey, TValue>
{
    private const int SuffixLength = 12;
    private readonly IKeyValueStore<Bytes, byte[]> _inner;
    private readonly ISerde<TKey>? _keySerde;
    private readonly ISerde<TValue>? _valueSerde;
    private readonly long _retentionMs;
    private ISerde<TKey> _keys = null!;
    private ISerde<TValue> _values = null!;
    private string _serdeTopic = "";
    private long _observedStreamTime = long.MinValue;
    private long _nextSweep = long.MinValue;
    private int _sequence;

    public JoinWindowStore(IKeyValueStore<Bytes, byte[]> inner, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, long retentionMs)
    {
        _inner = inner;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
        _retentionMs = retentionMs;
    }

    public string Name => _inner.Name;

    public bool Persistent => _inner.Persistent;

    public bool IsOpen => _inner.IsOpen;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        _keys = _keySerde ?? Defaults.Serde<TKey>(context.Config, true, $"state store '{Name}'");
        _values = _valueSerde ?? Defaults.Serde<TValue>(context.Config, false, $"state store '{Name}'");
        _serdeTopic = (context as StoreContext)?.ChangelogTopicOf(Name) ?? Name;

        // After a restart the sequence continues elsewhere, so restored duplicates are not overwritten.
        _sequence = Random.Shared.Next();
        _inner.Init(context, root);
    }

    public void Put(TKey key, TValue? value, long windowStartMs)
    {
        if (value is null)
        {
            // Join windows only ever add records; a missing value never joins.
            return;
        }

        _observedStreamTime = Math.Max(_observedStreamTime, windowStartMs);
        if (windowStartMs <= _observedStreamTime - _retentionMs)
        {
            // Already expired: it could not be found anyway.
            return;
        }

        _inner.Put(StoreKey(KeyBytes(key), windowStartMs, unchecked(_sequence++)), _values.Serialize(value, new SerializationContext(MessageComponentType.Value, _serdeTopic)));
        SweepIfDue();
    }

    public TValue? Fetch(TKey key, long windowStartMs)
    {
        foreach (var (_, value) in Fetch(key, windowStartMs, windowStartMs))
        {
            return value;
        }

        return default;
    }

    public IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long fromMs, long toMs)
    {
        var keyBytes = KeyBytes(key);
        fromMs = Math.Max(fromMs, EarliestLive);
        if (fromMs > toMs)
        {
            yield break;
        }

        foreach (var (storeKey, value) in _inner.Range(StoreKey(keyBytes, fromMs, 0), StoreKey(keyBytes, toMs, -1)))
        {
            // Another key may sort inside the range when this key is a prefix of it: the length tells them apart.
            if (storeKey.Value.Length == keyBytes.Length + SuffixLength)
            {
                yield return new KeyValuePair<long, TValue>(TimestampOf(storeKey.Value), Value(value));
            }
        }
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo, long fromMs, long toMs)
    {
        var from = keyFrom is null ? null : KeyBytes(keyFrom);
        var to = keyTo is null ? null : KeyBytes(keyTo);
        return Scan(fromMs, toMs, keyBytes => (from is null || keyBytes.AsSpan().SequenceCompareTo(from) >= 0) && (to is null || keyBytes.AsSpan().SequenceCompareTo(to) <= 0));
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long fromMs, long toMs) => Scan(fromMs, toMs, _ => true);

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All() => Scan(long.MinValue, long.MaxValue, _ => true);

    public void Flush() => _inner.Flush();

    public void Close() => _inner.Close();

    private long EarliestLive => _observedStreamTime == long.MinValue ? long.MinValue : _observedStreamTime - _retentionMs + 1;

    private IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Scan(long fromMs, long toMs, Func<byte[], bool> keyMatches)
    {
        fromMs = Math.Max(fromMs, EarliestLive);
        foreach (var (storeKey, value) in _inner.All())
        {
            var timestamp = TimestampOf(storeKey.Value);
            var keyBytes = storeKey.Value.AsSpan(0, storeKey.Value.Length - SuffixLength).ToArray();
            if (timestamp >= fromMs && timestamp <= toMs && keyMatches(keyBytes))
            {
                var key = _keys.Deserialize(keyBytes, false, new SerializationContext(MessageComponentType.Key, _serdeTopic));
                yield return new KeyValuePair<Windowed<TKey>, TValue>(new Windowed<TKey>(key, new Window(timestamp, timestamp)), Value(value));
            }
        }
    }

    private void SweepIfDue()
    {
        if (_observedStreamTime < _nextSweep)
        {
            return;
        }

        _nextSweep = _observedStreamTime + Math.Max(1, _retentionMs / 2);
        var earliest = EarliestLive;
        foreach (var (storeKey, _) in _inner.All())
        {
            if (TimestampOf(storeKey.Value) < earliest)
            {
                _inner.Delete(storeKey);
            }
        }
    }

    private byte[] KeyBytes(TKey key)
        => _keys.Serialize(key, new SerializationContext(MessageComponentType.Key, _serdeTopic))
            ?? throw new ArgumentException($"The key of state store '{Name}' serialized to null; store keys must not be null.", nameof(key));

    private TValue Value(byte[] bytes) => _values.Deserialize(bytes, false, new SerializationContext(MessageComponentType.Value, _serdeTopic));

    private static long TimestampOf(byte[] storeKey) => BinaryPrimitives.ReadInt64BigEndian(storeKey.AsSpan(storeKey.Length - SuffixLength));

    private static Bytes StoreKey(byte[] keyBytes, long timestamp, int sequence)
    {
        var bytes = new byte[keyBytes.Length + SuffixLength];
        keyBytes.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(keyBytes.Length), timestamp);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(keyBytes.Length + 8), sequence);
        return new Bytes(bytes);
    }
}
