using System.Collections.Concurrent;
using Platform.Broker;
using Platform.Client.Serialization;

namespace Platform.Client.Tests.Producer;

/// <summary>Produce with an <see cref="IDeliveryHandler{TKey,TValue}"/>: every record's outcome, no report object per record.</summary>
public sealed class ProducerDeliveryHandlerTests
{
    [Fact]
    public async Task Produce_DeliveryHandler_ReportsEveryRecordWithItsOffsetAndMessage()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 3);
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 20 };
        using var producer = new ProducerBuilder<string, string>(config).Build();
        var handler = new Recorder<string>();
        var sent = new List<Message<string, string>>();

        for (var i = 0; i < 3000; i++)
        {
            var message = new Message<string, string> { Key = $"k-{i % 7}", Value = $"v-{i}" };
            sent.Add(message);
            producer.Produce("handled", i < 1000 ? 1 : -1, message, handler);
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        Assert.Equal(3000, handler.Outcomes.Count);
        Assert.All(handler.Outcomes, o => Assert.False(o.Error.IsError, o.Error.ToString()));
        Assert.Equal(sent.Count, handler.Outcomes.Select(o => o.Message).Distinct().Count());
        Assert.All(handler.Outcomes, o => Assert.Contains(o.Message, sent));

        // The first thousand went to partition 1 in order; the rest where the key hashes, as without a partition.
        var first = handler.Outcomes.Where(o => o.Message.Value is var v && int.Parse(v[2..], System.Globalization.CultureInfo.InvariantCulture) < 1000).ToList();
        Assert.All(first, o => Assert.Equal(1, o.Partition));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), first.Select(o => o.Offset).Order());
        var byKey = handler.Outcomes.Except(first).GroupBy(o => o.Message.Key).ToList();
        Assert.All(byKey, g => Assert.Single(g.Select(o => o.Partition).Distinct()));
        foreach (var partition in Enumerable.Range(0, 3))
        {
            var offsets = handler.Outcomes.Where(o => o.Partition == partition).Select(o => o.Offset).Order().ToList();
            Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        }
    }

    [Fact]
    public async Task Produce_DeliveryHandlerBrokerGone_ReportsEachFailureWithItsMessage()
    {
        var broker = await EmbeddedBroker.StartAsync();
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, DeliveryTimeoutMs = 2000, RequestTimeoutMs = 1000, LingerMs = 0 };
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        await producer.ProduceAsync(new TopicPartition("gone", 0), new Message<Null, string> { Value = "first" });
        await broker.DisposeAsync();
        var handler = new Recorder<Null>();

        for (var i = 0; i < 10; i++)
        {
            producer.Produce("gone", 0, new Message<Null, string> { Value = $"v-{i}" }, handler);
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        Assert.Equal(10, handler.Outcomes.Count);
        Assert.All(handler.Outcomes, o => Assert.True(o.Error.IsError));
        Assert.All(handler.Outcomes, o => Assert.Equal(-1, o.Offset));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v-{i}"), handler.Outcomes.Select(o => o.Message.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Produce_HandlersOfEveryKindInOneBatch_EachRecordReportedToItsOwnHandlerAtItsOffset()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 200 };
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        await producer.ProduceAsync(new TopicPartition("mixed", 0), new Message<Null, string> { Value = "first" });

        // Runs of one kind and switches between kinds, two callbacks and two handler objects of one type among them:
        // the delivery of a batch tells a handler's kind once per run of one type, so every switch must be seen.
        var actions = new ConcurrentQueue<(string Value, long Offset)>[] { new(), new() };
        var handlers = new[] { new Recorder<Null>(), new Recorder<Null>() };
        Action<DeliveryReport<Null, string>>[] callbacks = [r => actions[0].Enqueue((r.Message.Value, r.Offset)), r => actions[1].Enqueue((r.Message.Value, r.Offset))];
        var results = new List<(string Value, Task<DeliveryResult<Null, string>> Task)>();
        var expected = new Dictionary<string, (int Kind, int Which)>();
        for (var i = 0; i < 300; i++)
        {
            var value = $"v-{i}";
            var kind = (i / 3 + i) % 4;
            var which = i / 7 % 2;
            var message = new Message<Null, string> { Value = value };
            expected[value] = (kind, which);
            switch (kind)
            {
                case 0:
                    producer.Produce(new TopicPartition("mixed", 0), message, callbacks[which]);
                    break;
                case 1:
                    results.Add((value, producer.ProduceAsync(new TopicPartition("mixed", 0), message)));
                    break;
                case 2:
                    producer.Produce("mixed", 0, message, handlers[which]);
                    break;
                default:
                    producer.Produce(new TopicPartition("mixed", 0), message);
                    break;
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        var reported = new Dictionary<string, long>();
        for (var which = 0; which < 2; which++)
        {
            foreach (var (value, offset) in actions[which])
            {
                Assert.Equal((0, which), expected[value]);
                reported.Add(value, offset);
            }

            foreach (var outcome in handlers[which].Outcomes)
            {
                Assert.False(outcome.Error.IsError, outcome.Error.ToString());
                Assert.Equal((2, which), (expected[outcome.Message.Value].Kind, expected[outcome.Message.Value].Which));
                reported.Add(outcome.Message.Value, outcome.Offset);
            }
        }

        foreach (var (value, task) in results)
        {
            var result = await task;
            Assert.Equal(value, result.Message.Value);
            reported.Add(value, result.Offset);
        }

        // Every record with a handler was reported once, at the offset its place in the produce order gives it.
        Assert.Equal(expected.Count(e => e.Value.Kind != 3), reported.Count);
        Assert.All(reported, r => Assert.Equal(1 + int.Parse(r.Key[2..], System.Globalization.CultureInfo.InvariantCulture), r.Value));
    }

    private sealed class Recorder<TKey> : IDeliveryHandler<TKey, string>
    {
        public ConcurrentQueue<(int Partition, long Offset, Error Error, Message<TKey, string> Message)> Outcomes { get; } = new();

        public void OnDelivery(string topic, int partition, long offset, Error error, Message<TKey, string> message)
            => Outcomes.Enqueue((partition, offset, error, message));
    }
}
