using Platform.Client.Serialization;

namespace Platform.Streams.Testing;

/// <summary>Reads, in order, what the topology wrote to one topic of a <see cref="TopologyTestDriver"/>.</summary>
public sealed class TestOutputTopic<TKey, TValue>
{
    private readonly TopologyTestDriver _driver;
    private readonly IDeserializer<TKey> _keyDeserializer;
    private readonly IDeserializer<TValue> _valueDeserializer;

    internal TestOutputTopic(TopologyTestDriver driver, string topic, IDeserializer<TKey> keyDeserializer, IDeserializer<TValue> valueDeserializer)
    {
        _driver = driver;
        Name = topic;
        _keyDeserializer = keyDeserializer;
        _valueDeserializer = valueDeserializer;
    }

    /// <summary>The topic's name.</summary>
    public string Name { get; }

    /// <summary>How many records are unread.</summary>
    public int QueueSize => _driver.Unread(Name);

    /// <summary>Whether every record was read.</summary>
    public bool IsEmpty => QueueSize == 0;

    /// <summary>The next record.</summary>
    /// <exception cref="InvalidOperationException">No record is left.</exception>
    public TestRecord<TKey, TValue> ReadRecord()
    {
        var record = _driver.ReadNext(Name) ?? throw new InvalidOperationException($"No more records in topic '{Name}'.");
        var key = _keyDeserializer.Deserialize(record.Key, record.Key is null, new SerializationContext(MessageComponentType.Key, Name, record.Headers));
        var value = _valueDeserializer.Deserialize(record.Value, record.Value is null, new SerializationContext(MessageComponentType.Value, Name, record.Headers));
        return new TestRecord<TKey, TValue>(key, value, record.Timestamp, record.Headers);
    }

    /// <summary>The next record's value.</summary>
    /// <exception cref="InvalidOperationException">No record is left.</exception>
    public TValue ReadValue() => ReadRecord().Value;

    /// <summary>The next record's key and value.</summary>
    /// <exception cref="InvalidOperationException">No record is left.</exception>
    public KeyValuePair<TKey, TValue> ReadKeyValue()
    {
        var record = ReadRecord();
        return new KeyValuePair<TKey, TValue>(record.Key, record.Value);
    }

    /// <summary>Every unread record.</summary>
    public List<TestRecord<TKey, TValue>> ReadRecordsToList()
    {
        var records = new List<TestRecord<TKey, TValue>>();
        while (!IsEmpty)
        {
            records.Add(ReadRecord());
        }

        return records;
    }

    /// <summary>Every unread value.</summary>
    public List<TValue> ReadValuesToList() => ReadRecordsToList().ConvertAll(r => r.Value);

    /// <summary>Every unread key and value.</summary>
    public List<KeyValuePair<TKey, TValue>> ReadKeyValuesToList() => ReadRecordsToList().ConvertAll(r => new KeyValuePair<TKey, TValue>(r.Key, r.Value));

    /// <summary>The latest value per key of every unread record; a null value removes the key (a tombstone).</summary>
    /// <exception cref="InvalidOperationException">A record has a null key.</exception>
#pragma warning disable CS8714 // TKey may be nullable for topics in general; null keys are rejected below.
    public Dictionary<TKey, TValue> ReadKeyValuesToMap()
    {
        var map = new Dictionary<TKey, TValue>();
        foreach (var record in ReadRecordsToList())
        {
            if (record.Key is null)
            {
                throw new InvalidOperationException($"Topic '{Name}' has a record with a null key, which a map cannot hold.");
            }

            if (record.Value is null)
            {
                map.Remove(record.Key);
            }
            else
            {
                map[record.Key] = record.Value;
            }
        }

        return map;
    }
#pragma warning restore CS8714
}
