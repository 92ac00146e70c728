using Platform.Client;

namespace Platform.Streams.Tests.Examples;

/// <summary>Writes and reads string records with given timestamps on a real broker (the examples' topics hold text).</summary>
internal static class TextRecords
{
    public static async Task ProduceAsync(string bootstrapServers, string topic, params (string? Key, string? Value, long TimestampMs)[] records)
    {
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = bootstrapServers }).Build();
        foreach (var (key, value, timestamp) in records)
        {
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = key, Value = value, Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) });
        }
    }

    /// <summary>Reads <paramref name="topic"/> from the beginning (read_committed) until <paramref name="done"/> holds for what was read.</summary>
    public static async Task<List<(string Key, string? Value)>> ReadUntilAsync(string bootstrapServers, string topic, Func<List<(string Key, string? Value)>, bool> done, int timeoutMs = 30000)
    {
        var records = new List<(string, string?)>();
        using var consumer = new ConsumerBuilder<string, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            FetchMaxWaitMs = 50,
        }).Build();
        consumer.Subscribe(topic);
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!done(records))
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"Timed out reading {topic}; got {records.Count} records: {string.Join(", ", records.TakeLast(20))}");
            }

            foreach (var result in consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)))
            {
                records.Add((result.Message!.Key, result.Message.Value));
            }

            await Task.Yield();
        }

        return records;
    }

    /// <summary>The last value of each key.</summary>
    public static Dictionary<string, string?> Latest(IEnumerable<(string Key, string? Value)> records)
    {
        var latest = new Dictionary<string, string?>();
        foreach (var (key, value) in records)
        {
            latest[key] = value;
        }

        return latest;
    }
}
