using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Client.Serialization;
using Platform.Protocol;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform perf e2e</c>: the counterpart of <c>kafka-e2e-latency.sh</c>. One record at a time: produce
/// it to partition 0 and wait for the acknowledgement, then consume it with a consumer already parked
/// at the end of the partition; the time from send to receipt is one sample. Prints the average and
/// the 50th/99th/99.9th percentiles in milliseconds (with microseconds, since loopback latency is below
/// one). The first <c>--warmup-records</c> round trips (JIT, connections) are run but not counted.
/// </summary>
internal static class PerfE2eCommand
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var producerOptions = new ProducerOptions();
        var consumerProps = new ConsumerOptions().ConsumerProps;
        var numRecords = new Option<int>("--num-records") { Description = "How many round trips to measure.", Required = true }.AtLeast(1);
        var recordSize = new Option<int>("--record-size") { Description = "Bytes per record value (default 100).", DefaultValueFactory = _ => 100 }.AtLeast(8);
        var acks = new Option<string>("--acks") { Description = "The producer's acks: 1 or all (default 1).", DefaultValueFactory = _ => "1" };
        acks.AcceptOnlyFromAmong("1", "all", "-1");
        var warmup = new Option<int>("--warmup-records") { Description = "Round trips run first and not counted (default 1000).", DefaultValueFactory = _ => 1000 }.AtLeast(0);
        var command = new Command("e2e", "Measure end-to-end latency one record at a time (produce, acknowledge, consume), like kafka-e2e-latency.sh.");
        producerOptions.AddTo(command);
        command.Options.Add(consumerProps);
        command.Options.Add(numRecords);
        command.Options.Add(recordSize);
        command.Options.Add(acks);
        command.Options.Add(warmup);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var err = parse.InvocationConfiguration.Error;
            try
            {
                var producerConfig = producerOptions.Config(parse, "platform-perf-e2e");
                producerConfig.Set("acks", parse.GetValue(acks)!);
                if (producerConfig.Get("linger.ms") is null)
                {
                    // Kafka's tool sends each record at once: no linger unless asked for.
                    producerConfig.Set("linger.ms", "0");
                }

                var consumerConfig = new ConsumerConfig { BootstrapServers = producerConfig.BootstrapServers, ClientId = "platform-perf-e2e" };
                ConsumerOptions.Apply(consumerConfig, parse.GetValue(consumerProps));
                var topic = parse.GetRequiredValue(producerOptions.Topic);
                await EnsureTopicAsync(producerConfig.BootstrapServers!, topic, cancellationToken).ConfigureAwait(false);
                var run = new Run(parse.GetValue(numRecords), parse.GetValue(recordSize), parse.GetValue(warmup), parse.InvocationConfiguration.Output);
                return await Task.Run(() => run.Execute(producerConfig, consumerConfig, new TopicPartition(topic, 0), cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or ArgumentException or TimeoutException)
            {
                await err.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    /// <summary>Creates the topic with one partition when it does not exist, as Kafka's tool does.</summary>
    private static async Task EnsureTopicAsync(string bootstrap, string topic, CancellationToken cancellationToken)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, ClientId = "platform-perf-e2e" }).Build();
        var metadata = await admin.GetMetadataAsync([topic], cancellationToken).ConfigureAwait(false);
        if (metadata.Topics.SingleOrDefault(t => t.Topic == topic) is { Error.IsError: false })
        {
            return;
        }

        try
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            // Created by someone else (or auto-created by the metadata request) in between.
        }
    }

    private sealed class Run(int numRecords, int recordSize, int warmup, TextWriter output)
    {
        public int Execute(ProducerConfig producerConfig, ConsumerConfig consumerConfig, TopicPartition partition, CancellationToken cancellationToken)
        {
            using var producer = new ProducerBuilder<Null?, byte[]>(producerConfig).Build();
            using var consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig).Build();
            // Parked at the end before the first send, so no record can fall before the consumer's start.
            var end = consumer.QueryWatermarkOffsets(partition, ReceiveTimeout).High;
            consumer.Assign(new TopicPartitionOffset(partition, end));

            var value = new byte[recordSize];
            Random.Shared.NextBytes(value);
            var message = new Message<Null?, byte[]> { Value = value };
            var latencies = new double[numRecords];
            var total = warmup + numRecords;
            for (var i = 0; i < total; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                BinaryPrimitives.WriteInt64LittleEndian(value, i);
                var begin = Stopwatch.GetTimestamp();
                producer.ProduceAsync(partition, message, cancellationToken).GetAwaiter().GetResult();
                var received = consumer.Consume(ReceiveTimeout)
                    ?? throw new TimeoutException($"Record {i} did not arrive within {ReceiveTimeout.TotalSeconds:0} s.");
                var elapsed = Stopwatch.GetElapsedTime(begin);
                if (!received.Message!.Value.AsSpan().SequenceEqual(value))
                {
                    throw new ArgumentException($"Record {i} came back different (offset {received.Offset}): is another producer writing to {partition}?");
                }

                if (i >= warmup)
                {
                    latencies[i - warmup] = elapsed.TotalMilliseconds;
                }
            }

            Array.Sort(latencies);
            output.WriteLine($"Avg latency: {latencies.Average():F4} ms");
            output.WriteLine($"Percentiles: 50th = {Percentile(latencies, 0.5):F3}, 99th = {Percentile(latencies, 0.99):F3}, 99.9th = {Percentile(latencies, 0.999):F3} (ms, {numRecords} records of {recordSize} bytes, acks={producerConfig.Get("acks")})");
            return 0;
        }

        private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }
}
