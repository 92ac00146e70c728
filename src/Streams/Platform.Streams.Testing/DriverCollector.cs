using Platform.Client;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Testing;

/// <summary>The test driver's record collector: keeps every record per topic, and queues those the topology reads back.</summary>
internal sealed class DriverCollector(Func<string, bool> readBack) : IRecordCollector
{
    private readonly Dictionary<string, List<ProducedRecord>> _topics = new(StringComparer.Ordinal);

    /// <summary>Records written to topics the topology itself reads (repartition topics), in write order.</summary>
    public Queue<ProducedRecord> ReadBack { get; } = new();

    public IReadOnlyDictionary<string, List<ProducedRecord>> Topics => _topics;

    public void Send(string topic, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, Headers? headers, long timestamp, int partition)
    {
        var record = new ProducedRecord(topic, partition, keyIsNull ? null : key.ToArray(), valueIsNull ? null : value.ToArray(), headers, timestamp);
        if (!_topics.TryGetValue(topic, out var records))
        {
            records = [];
            _topics.Add(topic, records);
        }

        records.Add(record);
        if (readBack(topic))
        {
            ReadBack.Enqueue(record);
        }
    }

    /// <summary>Every topic has one partition in the driver.</summary>
    public int PartitionCount(string topic) => 1;
}
