using System.Collections.Concurrent;
using Platform.Broker;
using Platform.Client.Producer;

namespace Platform.Client.Tests.Producer;

/// <summary>
/// <c>ProduceStaged</c>: many records handed over at once, in order, their outcomes reported per run of records, and a
/// record refused before it was appended reported to its handler while the others go on.
/// </summary>
public sealed class ProducerStagedTests
{
    [Fact]
    public async Task ProduceStaged_RecordsOfSeveralHandlersAndPartitions_EachDeliveredOnceInOrderPerRun()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 3);
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 20 };
        using var producer = Build(config);
        var first = new RunRecorder();
        var second = new RunRecorder();
        var staged = new List<StagedRecord>();
        for (var i = 0; i < 3000; i++)
        {
            // Runs of a few records per handler, to one partition or where the key hashes.
            var handler = i / 5 % 2 == 0 ? first : second;
            staged.Add(Staged("staged", i < 1000 ? i % 3 : -1, $"k-{i % 7}", $"v-{i}", handler));
            if (staged.Count == 256)
            {
                producer.ProduceStaged(staged.ToArray());
                staged.Clear();
            }
        }

        producer.ProduceStaged(staged.ToArray());
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));

        var outcomes = first.Outcomes.Concat(second.Outcomes).ToList();
        Assert.Empty(first.NotSent.Concat(second.NotSent));
        Assert.All(outcomes, o => Assert.False(o.Error.IsError, o.Error.ToString()));
        Assert.Equal(3000, outcomes.Count);
        Assert.Equal(3000, outcomes.Select(o => o.Value).Distinct().Count());
        Assert.True(first.Runs < first.Outcomes.Count, "records of one handler in a row come in one report");

        // Per partition: offsets 0.. without gaps, in the order the records were staged.
        foreach (var partition in Enumerable.Range(0, 3))
        {
            var inPartition = outcomes.Where(o => o.Partition == partition).OrderBy(o => o.Offset).ToList();
            Assert.Equal(Enumerable.Range(0, inPartition.Count).Select(i => (long)i), inPartition.Select(o => o.Offset));
            var order = inPartition.Select(o => int.Parse(o.Value[2..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(order.Order(), order);
        }

        var byKey = outcomes.Where(o => int.Parse(o.Value[2..], System.Globalization.CultureInfo.InvariantCulture) >= 1000).GroupBy(o => o.Key);
        Assert.All(byKey, g => Assert.Single(g.Select(o => o.Partition).Distinct()));
    }

    [Fact]
    public async Task ProduceStaged_OneRecordTooLarge_ItsHandlerHearsAndTheOthersAreDelivered()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, MaxRequestSize = 2048 };
        using var producer = Build(config);
        var handler = new RunRecorder();
        var large = new string('x', 4096);
        producer.ProduceStaged(new[]
        {
            Staged("refusing", 0, "a", "v-0", handler),
            Staged("refusing", 0, "big", large, handler),
            Staged("refusing", 7, "b", "v-2", handler),
            Staged("refusing", 0, "c", "v-3", handler),
        });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));

        Assert.Equal(2, handler.NotSent.Count);
        var (value, error) = handler.NotSent.First();
        Assert.Equal(large, value);
        Assert.Equal(Protocol.ErrorCode.MessageTooLarge, Assert.IsAssignableFrom<KafkaException>(error).Error.Code);
        Assert.Equal(Protocol.ErrorCode.UnknownTopicOrPartition, Assert.IsAssignableFrom<KafkaException>(handler.NotSent.Last().Error).Error.Code);
        Assert.Equal(["v-0", "v-3"], handler.Outcomes.OrderBy(o => o.Offset).Select(o => o.Value));
        Assert.Equal([0L, 1L], handler.Outcomes.Select(o => o.Offset).Order());
    }

    [Fact]
    public async Task ProduceStaged_AHandlerThrowingOnARefusedRecord_GoesToTheErrorHandlerAndTheRecordsAfterItAreAppended()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, MaxRequestSize = 2048 };
        var errors = new ConcurrentQueue<Error>();
        using var producer = (Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>)new ProducerBuilder<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>(config)
            .SetErrorHandler((_, error) => errors.Enqueue(error)).Build();
        var handler = new RunRecorder { ThrowOnNotSent = true };

        // Nothing escapes: an exception here would leave the caller unable to tell which records were appended.
        producer.ProduceStaged(new[]
        {
            Staged("throwing", 0, "a", "v-0", handler),
            Staged("throwing", 0, "big", new string('x', 4096), handler),
            Staged("throwing", 0, "c", "v-2", handler),
        });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));

        Assert.Single(handler.NotSent);
        Assert.Equal(["v-0", "v-2"], handler.Outcomes.OrderBy(o => o.Offset).Select(o => o.Value));
        Assert.Contains(errors, e => e.Reason.Contains("A delivery handler threw: the handler has a bug", StringComparison.Ordinal));
    }

    [Fact]
    public void ProduceStaged_ProducerWithAnInterceptor_RefusesTheRecordsItCouldNotShowIt()
    {
        // An interceptor sees messages; serialized records have none, so none of them is appended.
        var config = new ProducerConfig { BootstrapServers = "127.0.0.1:1" };
        using var producer = (Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>)new ProducerBuilder<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>(config)
            .AddInterceptor(new PassingInterceptor()).Build();
        var handler = new RunRecorder();

        var refused = Assert.Throws<InvalidOperationException>(() => producer.ProduceStaged(new[] { Staged("intercepted", 0, "a", "v-0", handler) }));
        Assert.Contains("interceptors", refused.Message, StringComparison.Ordinal);
        Assert.Empty(handler.NotSent);
    }

    private sealed class PassingInterceptor : IProducerInterceptor<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>
    {
        public Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> OnSend(string topic, Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> message) => message;

        public void OnAcknowledgement(DeliveryReport<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> report)
        {
        }
    }

    private static Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> Build(ProducerConfig config)
        => (Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>)new ProducerBuilder<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>(config).Build();

    /// <summary>A staged record of <paramref name="key"/> and <paramref name="value"/>, both in one array after a few bytes of another record.</summary>
    private static StagedRecord Staged(string topic, int partition, string key, string value, RunRecorder handler)
    {
        var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
        var valueBytes = System.Text.Encoding.UTF8.GetBytes(value);
        var bytes = new byte[3 + keyBytes.Length + valueBytes.Length];
        keyBytes.CopyTo(bytes, 3);
        valueBytes.CopyTo(bytes, 3 + keyBytes.Length);
        return new StagedRecord(topic, partition, bytes, 3, keyBytes.Length, valueBytes.Length, null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), handler, null);
    }

    private sealed class RunRecorder : IRunDeliveryHandler
    {
        private int _runs;

        public ConcurrentQueue<(int Partition, long Offset, Error Error, string Key, string Value)> Outcomes { get; } = new();

        public ConcurrentQueue<(string Value, Exception Error)> NotSent { get; } = new();

        public int Runs => Volatile.Read(ref _runs);

        public void OnDelivered(string topic, int partition, long baseOffset, Error error, ReadOnlySpan<RecordSlot> records, RunContents contents)
        {
            Interlocked.Increment(ref _runs);
            var read = contents.Read();
            Assert.Equal(records.Length, read.Count);
            for (var i = 0; i < read.Count; i++)
            {
                Outcomes.Enqueue((partition, baseOffset < 0 ? -1 : baseOffset + i, error, Text(read[i].Key), Text(read[i].Value)));
            }
        }

        public bool ThrowOnNotSent { get; init; }

        public void OnNotSent(in StagedRecord record, Exception error)
        {
            NotSent.Enqueue((System.Text.Encoding.UTF8.GetString(record.Value), error));
            if (ThrowOnNotSent)
            {
                throw new InvalidOperationException("the handler has a bug");
            }
        }

        private static string Text(byte[]? bytes) => System.Text.Encoding.UTF8.GetString(bytes!);
    }
}
