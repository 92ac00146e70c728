using System.Diagnostics;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Serialization;

namespace Platform.Benchmarks;

/// <summary>
/// Issue 5's figures against an in-process broker: back-to-back transactions of N records from one
/// producer (goal >= 200 txn/s), idempotent vs plain producer throughput (goal >= 95%), and a
/// read_committed vs read_uncommitted consumer on the same transactional data (goal >= 90%).
/// </summary>
internal static class TransactionBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var records = (int)options.Long("records", 1_000_000);
        var perTransaction = (int)options.Long("txn-size", 1000);
        var value = new byte[(int)options.Long("size", 100)];
        var dir = Path.Combine(Path.GetTempPath(), "platform-txn-bench-" + Guid.NewGuid().ToString("N"));
        await using var broker = await EmbeddedBroker.StartAsync(o => o.DataDir = dir);
        try
        {
            var plain = Produce(broker.BootstrapServers, "bench-plain", records, value, idempotent: false);
            var idempotent = Produce(broker.BootstrapServers, "bench-idempotent", records, value, idempotent: true);
            Console.WriteLine($"producer: plain {plain:F0} rec/s, idempotent {idempotent:F0} rec/s = {100 * idempotent / plain:F1}% (goal >= 95%)");

            var transactions = records / perTransaction;
            using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
            {
                BootstrapServers = broker.BootstrapServers,
                TransactionalId = "bench",
                LingerMs = 5,
                BatchSize = 65536,
            }).Build())
            {
                producer.InitTransactions(TimeSpan.FromSeconds(30));
                var clock = Stopwatch.StartNew();
                var committing = TimeSpan.Zero;
                var flushing = TimeSpan.Zero;
                for (var t = 0; t < transactions; t++)
                {
                    producer.BeginTransaction();
                    for (var i = 0; i < perTransaction; i++)
                    {
                        producer.Produce("bench-txn", new Message<Null, byte[]> { Value = value });
                    }

                    var flushStart = clock.Elapsed;
                    producer.Flush(TimeSpan.FromSeconds(30));
                    var commitStart = clock.Elapsed;
                    flushing += commitStart - flushStart;
                    producer.CommitTransaction(TimeSpan.FromSeconds(30));
                    committing += clock.Elapsed - commitStart;
                }

                var rate = transactions / clock.Elapsed.TotalSeconds;
                Console.WriteLine($"transactions: {transactions} x {perTransaction} records in {clock.Elapsed.TotalSeconds:F2} s = {rate:F0} txn/s (goal >= 200); {flushing.TotalMilliseconds / transactions:F1} ms flushing and {committing.TotalMilliseconds / transactions:F1} ms committing per transaction");
            }

            var total = transactions * perTransaction;
            var uncommitted = Consume(broker.BootstrapServers, "bench-txn", total, IsolationLevel.ReadUncommitted);
            var committed = Consume(broker.BootstrapServers, "bench-txn", total, IsolationLevel.ReadCommitted);
            Console.WriteLine($"consumer: read_uncommitted {uncommitted:F0} rec/s, read_committed {committed:F0} rec/s = {100 * committed / uncommitted:F1}% (goal >= 90%)");
            return 0;
        }
        finally
        {
            await broker.StopAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Produce(string bootstrap, string topic, int records, byte[] value, bool idempotent)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = idempotent,
            LingerMs = 5,
            BatchSize = 65536,
        }).Build();
        producer.Produce(topic, new Message<Null, byte[]> { Value = value });
        producer.Flush(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < records; i++)
        {
            producer.Produce(topic, new Message<Null, byte[]> { Value = value });
        }

        producer.Flush(TimeSpan.FromMinutes(5));
        return records / clock.Elapsed.TotalSeconds;
    }

    private static double Consume(string bootstrap, string topic, int records, IsolationLevel isolation)
    {
        using var consumer = new ConsumerBuilder<Null, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            IsolationLevel = isolation,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var clock = Stopwatch.StartNew();
        var count = 0;
        while (count < records && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: not null })
            {
                count++;
            }
        }

        return count / clock.Elapsed.TotalSeconds;
    }
}
