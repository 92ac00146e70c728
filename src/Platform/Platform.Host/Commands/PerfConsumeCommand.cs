using System.CommandLine;
using System.Diagnostics;
using Platform.Client;
using Platform.Client.Serialization;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform perf consume</c>: the counterpart of <c>kafka-consumer-perf-test.sh</c>. Reads
/// <c>--messages</c> records from the beginning of every partition of the topic on the consumer's
/// zero-copy path (<see cref="IConsumer{TKey, TValue}.ConsumeRaw"/>), printing progress every few
/// seconds and the summary <c>N records received, X records/sec (Y MB/sec)</c> (key and value bytes).
/// </summary>
internal static class PerfConsumeCommand
{
    public static Command Create()
    {
        var options = new ConsumerOptions();
        var messages = new Option<long>("--messages") { Description = "How many records to read.", Required = true }.AtLeast(1L);
        var timeoutMs = new Option<int>("--timeout-ms") { Description = "Give up when no record arrives for this long (default 10000).", DefaultValueFactory = _ => 10_000 };
        var reportingInterval = new Option<int>("--reporting-interval") { Description = "Milliseconds between progress lines (default 5000).", DefaultValueFactory = _ => 5000 };
        var command = new Command("consume", "Read records as fast as possible and report throughput, like kafka-consumer-perf-test.sh.");
        options.AddTo(command);
        command.Options.Add(messages);
        command.Options.Add(timeoutMs);
        command.Options.Add(reportingInterval);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var err = parse.InvocationConfiguration.Error;
            try
            {
                var config = options.Config(parse, "platform-perf-consumer");
                var topic = parse.GetRequiredValue(options.Topic);
                var partitions = await ConsumerOptions.PartitionsAsync(config, topic, cancellationToken).ConfigureAwait(false);
                var run = new Run(
                    parse.GetValue(messages),
                    TimeSpan.FromMilliseconds(parse.GetValue(timeoutMs)),
                    TimeSpan.FromMilliseconds(parse.GetValue(reportingInterval)),
                    parse.InvocationConfiguration.Output,
                    err);
                return await Task.Run(() => run.Execute(config, partitions, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or ArgumentException)
            {
                await err.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private sealed class Run(long messages, TimeSpan timeout, TimeSpan reportingInterval, TextWriter output, TextWriter err)
    {
        private long _records;
        private long _bytes;

        public int Execute(ConsumerConfig config, List<TopicPartition> partitions, CancellationToken cancellationToken)
        {
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(config)
                .SetErrorHandler((_, error) => err.WriteLine($"Warning: {error.Reason}"))
                .Build();
            RawRecordHandler count = record =>
            {
                _records++;
                _bytes += record.Key.Length + record.Value.Length;
            };

            var start = Stopwatch.GetTimestamp();
            consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
            var lastReport = start;
            var (reportedRecords, reportedBytes) = (0L, 0L);
            var lastRecordAt = start;
            while (_records < messages && !cancellationToken.IsCancellationRequested)
            {
                var got = consumer.ConsumeRaw(count, TimeSpan.FromMilliseconds(200));
                var now = Stopwatch.GetTimestamp();
                if (got > 0)
                {
                    lastRecordAt = now;
                }
                else if (Stopwatch.GetElapsedTime(lastRecordAt, now) >= timeout)
                {
                    err.WriteLine($"Warning: no record for {timeout.TotalMilliseconds:0} ms; stopping after {_records} of {messages} records.");
                    break;
                }

                if (Stopwatch.GetElapsedTime(lastReport, now) >= reportingInterval)
                {
                    output.WriteLine(Summary(_records - reportedRecords, _bytes - reportedBytes, Stopwatch.GetElapsedTime(lastReport, now)));
                    (reportedRecords, reportedBytes, lastReport) = (_records, _bytes, now);
                }
            }

            // Measured to the last record, as kafka-consumer-perf-test.sh does, not including the idle timeout.
            output.WriteLine(Summary(_records, _bytes, Stopwatch.GetElapsedTime(start, lastRecordAt)));
            return _records >= messages ? 0 : 1;
        }

        private static string Summary(long records, long bytes, TimeSpan elapsed)
        {
            var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
            return $"{records} records received, {records / seconds:F1} records/sec ({bytes / seconds / (1024.0 * 1024.0):F2} MB/sec)";
        }
    }
}
