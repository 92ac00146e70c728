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
        var rounds = options.Int("rounds", 3);
        var value = new byte[(int)options.Long("size", 100)];
        var dir = Path.Combine(Path.GetTempPath(), "platform-txn-bench-" + Guid.NewGuid().ToString("N"));
        await using var broker = await EmbeddedBroker.StartAsync(o => o.DataDir = dir);
        try
        {
            Console.WriteLine($"{records} records of {value.Length} B per run, transactions of {perTransaction}, {rounds} rounds, {Report.Load()}");
            var plain = new List<double>();
            var idempotent = new List<double>();
            var txnRates = new List<double>();
            var uncommitted = new List<double>();
            var committed = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                // Alternate which runs first, so warm-up and page-cache effects fall on both sides.
                var idempotentFirst = round % 2 == 1;
                foreach (var isIdempotent in idempotentFirst ? new[] { true, false } : [false, true])
                {
                    var rate = Produce(broker.BootstrapServers, $"bench-{(isIdempotent ? "idempotent" : "plain")}-{round}", records, value, isIdempotent);
                    (isIdempotent ? idempotent : plain).Add(rate);
                }

                var topic = $"bench-txn-{round}";
                txnRates.Add(Transactions(broker.BootstrapServers, topic, records / perTransaction, perTransaction, value));
                var total = records / perTransaction * perTransaction;
                foreach (var isolation in idempotentFirst ? new[] { IsolationLevel.ReadCommitted, IsolationLevel.ReadUncommitted } : [IsolationLevel.ReadUncommitted, IsolationLevel.ReadCommitted])
                {
                    var rate = Consume(broker.BootstrapServers, topic, total, isolation);
                    (isolation == IsolationLevel.ReadCommitted ? committed : uncommitted).Add(rate);
                }

                Console.WriteLine($"round {round + 1}: plain {plain[^1]:F0}, idempotent {idempotent[^1]:F0} rec/s; {txnRates[^1]:F0} txn/s; read_uncommitted {uncommitted[^1]:F0}, read_committed {committed[^1]:F0} rec/s ({Report.Load()})");
            }

            Report.Heading("medians");
            Report.Row("producer plain rec/s", plain, "rec/s", 0);
            Report.Row("producer idempotent rec/s", idempotent, "rec/s", 0);
            var producerRatio = Report.Median(idempotent.Select((r, i) => r / plain[i]));
            Console.WriteLine($"  idempotent / plain (median of per-round ratios) {Report.Percent(producerRatio)} (goal >= 95%: {Report.Goal(producerRatio >= 0.95)})");
            Report.Row("transactions/s", txnRates, "txn/s", 0);
            Console.WriteLine($"  transactions (goal >= 200 txn/s: {Report.Goal(Report.Median(txnRates) >= 200)})");
            Report.Row("read_uncommitted rec/s", uncommitted, "rec/s", 0);
            Report.Row("read_committed rec/s", committed, "rec/s", 0);
            var consumerRatio = Report.Median(committed.Select((r, i) => r / uncommitted[i]));
            Console.WriteLine($"  read_committed / read_uncommitted (median of per-round ratios) {Report.Percent(consumerRatio)} (goal >= 90%: {Report.Goal(consumerRatio >= 0.90)})");
            return 0;
        }
        finally
        {
            await broker.StopAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Back-to-back transactions of <paramref name="perTransaction"/> records from one producer; returns transactions per second.</summary>
    private static double Transactions(string bootstrap, string topic, int transactions, int perTransaction, byte[] value)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            TransactionalId = "bench-" + topic,
            LingerMs = 5,
            BatchSize = 65536,
        }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        for (var t = 0; t < transactions; t++)
        {
            producer.BeginTransaction();
            for (var i = 0; i < perTransaction; i++)
            {
                producer.Produce(topic, new Message<Null, byte[]> { Value = value });
            }

            producer.CommitTransaction(TimeSpan.FromSeconds(30));
        }

        return transactions / clock.Elapsed.TotalSeconds;
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
