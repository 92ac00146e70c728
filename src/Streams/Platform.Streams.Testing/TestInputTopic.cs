using Platform.Client;
using Platform.Client.Serialization;

namespace Platform.Streams.Testing;

/// <summary>
/// Pipes records into one input topic of a <see cref="TopologyTestDriver"/>. Records without an explicit
/// timestamp get the topic's current time, which then advances by the topic's auto-advance step.
/// </summary>
public sealed class TestInputTopic<TKey, TValue>
{
    private readonly TopologyTestDriver _driver;
    private readonly ISerializer<TKey> _keySerializer;
    private readonly ISerializer<TValue> _valueSerializer;
    private readonly TimeSpan _autoAdvance;
    private long _currentTime;

    internal TestInputTopic(TopologyTestDriver driver, string topic, ISerializer<TKey> keySerializer, ISerializer<TValue> valueSerializer, long startTime, TimeSpan autoAdvance)
    {
        _driver = driver;
        Name = topic;
        _keySerializer = keySerializer;
        _valueSerializer = valueSerializer;
        _currentTime = startTime;
        _autoAdvance = autoAdvance;
    }

    /// <summary>The topic's name.</summary>
    public string Name { get; }

    /// <summary>Moves the topic's current time on.</summary>
    public void AdvanceTime(TimeSpan advance)
    {
        if (advance < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(advance), advance, "Time only moves forward.");
        }

        _currentTime += (long)advance.TotalMilliseconds;
    }

    /// <summary>Pipes a value with a null key at the current time.</summary>
    public void PipeInput(TValue value) => PipeInput(default!, value);

    /// <summary>Pipes a key and value at the current time.</summary>
    public void PipeInput(TKey key, TValue value) => PipeInput(new TestRecord<TKey, TValue>(key, value, NextTime()));

    /// <summary>Pipes a key and value with a timestamp in ms since the epoch.</summary>
    public void PipeInput(TKey key, TValue value, long timestampMs) => PipeInput(new TestRecord<TKey, TValue>(key, value, timestampMs));

    /// <summary>Pipes a key and value with a timestamp.</summary>
    public void PipeInput(TKey key, TValue value, DateTimeOffset timestamp) => PipeInput(key, value, timestamp.ToUnixTimeMilliseconds());

    /// <summary>Pipes a record (key, value, timestamp, headers).</summary>
    public void PipeInput(TestRecord<TKey, TValue> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var key = _keySerializer.Serialize(record.Key, new SerializationContext(MessageComponentType.Key, Name, record.Headers));
        var value = _valueSerializer.Serialize(record.Value, new SerializationContext(MessageComponentType.Value, Name, record.Headers));
        _driver.Pipe(Name, key, value, record.Headers, record.Timestamp);
    }

    /// <summary>Pipes values with null keys, each at the current time.</summary>
    public void PipeValueList(IEnumerable<TValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            PipeInput(value);
        }
    }

    /// <summary>Pipes key-value pairs, each at the current time.</summary>
    public void PipeKeyValueList(IEnumerable<KeyValuePair<TKey, TValue>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (key, value) in entries)
        {
            PipeInput(key, value);
        }
    }

    /// <summary>Pipes records.</summary>
    public void PipeRecordList(IEnumerable<TestRecord<TKey, TValue>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            PipeInput(record);
        }
    }

    /// <summary>Pipes a record with headers at the current time.</summary>
    public void PipeInput(TKey key, TValue value, Headers headers) => PipeInput(new TestRecord<TKey, TValue>(key, value, NextTime(), headers));

    private long NextTime()
    {
        var time = _currentTime;
        _currentTime += (long)_autoAdvance.TotalMilliseconds;
        return time;
    }
}
