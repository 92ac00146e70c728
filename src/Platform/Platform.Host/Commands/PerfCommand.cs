using System.CommandLine;
using System.Diagnostics;
using Platform.Client;
using Platform.Client.Serialization;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform perf produce</c>: the counterpart of <c>kafka-producer-perf-test.sh</c>, with its
/// options and its output format: a progress line every 5 s and a summary with latency percentiles.
/// </summary>
public static class PerfCommand
{
    /// <summary>Builds the <c>perf</c> command and its <c>produce</c>, <c>consume</c> and <c>e2e</c> subcommands.</summary>
    public static Command Create()
    {
        var command = new Command("perf", "Measure producer and consumer throughput against a cluster.");
        command.Subcommands.Add(ProduceCommand());
        command.Subcommands.Add(PerfConsumeCommand.Create());
        command.Subcommands.Add(PerfE2eCommand.Create());
        return command;
    }

    private static Command ProduceCommand()
    {
        var options = new ProducerOptions();
        var numRecords = new Option<long>("--num-records") { Description = "How many records to send.", Required = true };
        var recordSize = new Option<int>("--record-size") { Description = "Bytes per record value.", Required = true };
        var throughput = new Option<double>("--throughput") { Description = "Records per second to aim for; -1 for no limit.", Required = true };
        var fireAndForget = new Option<bool>("--fire-and-forget") { Description = "Send without a delivery handler (no latency figures)." };
        var allocations = new Option<bool>("--print-allocations") { Description = "Print the bytes allocated per record over the second half of the run." };
        var command = new Command("produce", "Send records as fast as allowed and report throughput and latency, like kafka-producer-perf-test.sh.");
        options.AddTo(command);
        command.Options.Add(numRecords);
        command.Options.Add(recordSize);
        command.Options.Add(throughput);
        command.Options.Add(fireAndForget);
        command.Options.Add(allocations);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            try
            {
                var config = options.Config(parse, "platform-perf-producer");
                var run = new PerfProduceRun(
                    parse.GetValue(numRecords),
                    parse.GetValue(recordSize),
                    parse.GetValue(throughput),
                    parse.GetValue(fireAndForget),
                    parse.GetValue(allocations),
                    output);
                return await Task.Run(() => run.Run(config, parse.GetRequiredValue(options.Topic), cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or ArgumentException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private sealed class PerfProduceRun(long numRecords, int recordSize, double throughput, bool fireAndForget, bool printAllocations, TextWriter output)
    {
        private const int MaxSamples = 500_000;
        private readonly int[] _samples = new int[(int)Math.Min(numRecords, MaxSamples)];
        private readonly long _sampling = Math.Max(1, numRecords / Math.Min(Math.Max(numRecords, 1), MaxSamples));
        private long _completed;
        private long _untilSample;
        private long _failed;
        private long _latencySum;
        private int _latencyMax;
        private int _sampleCount;
        private long _windowCount;
        private long _windowLatencySum;
        private int _windowLatencyMax;
        private string? _firstError;
        private long _nowMs;
        private int _lastPartition = -1;
        private long _lastOffset = -1;

        public int Run(ProducerConfig config, string topic, CancellationToken cancellationToken)
        {
            var payload = new byte[recordSize];
            Random.Shared.NextBytes(payload);
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = (byte)('A' + (payload[i] % 26));
            }

            using var producer = new ProducerBuilder<Null?, byte[]>(config).Build();
            var message = new Message<Null?, byte[]> { Value = payload };
            Action<DeliveryReport<Null?, byte[]>>? handler = fireAndForget ? null : OnDelivery;
            var start = Stopwatch.GetTimestamp();
            var windowStart = start;
            var lastReport = start;
            long allocatedAtHalf = 0;
            for (long i = 0; i < numRecords; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (printAllocations && i == numRecords / 2)
                {
                    allocatedAtHalf = GC.GetTotalAllocatedBytes(precise: true);
                }

                producer.Produce(topic, message, handler);
                if ((i & 1023) == 0)
                {
                    var now = Stopwatch.GetTimestamp();
                    if (throughput > 0)
                    {
                        Throttle(i, start, now);
                    }

                    if (Stopwatch.GetElapsedTime(lastReport, now) >= TimeSpan.FromSeconds(5))
                    {
                        PrintWindow(windowStart, now);
                        windowStart = lastReport = now;
                    }
                }
            }

            long? allocatedPerRecord = null;
            if (printAllocations)
            {
                // Measured before the final flush: the steady state, not the shutdown.
                allocatedPerRecord = (GC.GetTotalAllocatedBytes(precise: true) - allocatedAtHalf) / Math.Max(1, numRecords - (numRecords / 2));
            }

            producer.Flush(cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(start);
            var sent = fireAndForget ? numRecords : Volatile.Read(ref _completed);
            var recordsPerSec = sent / elapsed.TotalSeconds;
            var mbPerSec = recordsPerSec * recordSize / (1024.0 * 1024.0);
            Array.Sort(_samples, 0, _sampleCount);
            output.WriteLine(
                $"{sent} records sent, {recordsPerSec:F1} records/sec ({mbPerSec:F2} MB/sec), "
                + $"{(sent == 0 ? 0 : (double)_latencySum / Math.Max(1, sent - _failed)):F2} ms avg latency, {_latencyMax:F1} ms max latency, "
                + $"{Percentile(0.5)} ms 50th, {Percentile(0.99)} ms 99th, {Percentile(0.999)} ms 99.9th.");
            if (allocatedPerRecord is { } perRecord)
            {
                output.WriteLine($"{perRecord} bytes allocated per record in steady state (second half of the run, all threads).");
            }

            if (_failed > 0)
            {
                output.WriteLine($"{_failed} records failed; first error: {_firstError}");
                return 1;
            }

            return 0;
        }

        private void Throttle(long sent, long start, long now)
        {
            var expected = Stopwatch.GetElapsedTime(start, now).TotalSeconds * throughput;
            if (sent > expected)
            {
                Thread.Sleep(TimeSpan.FromSeconds((sent - expected) / throughput));
            }
        }

        /// <summary>Runs on the producer's sender thread, one report at a time.</summary>
        private void OnDelivery(DeliveryReport<Null?, byte[]> report)
        {
            if (report.Error.IsError)
            {
                _firstError ??= report.Error.ToString();
                _failed++;
            }

            // The reports of one batch arrive back to back, microseconds apart: one clock reading per batch
            // (recognised by consecutive offsets of one partition) keeps the tool's own cost off the figures.
            if (report.Partition != _lastPartition || report.Offset != _lastOffset + 1 || report.Offset < 0)
            {
                _nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            }

            (_lastPartition, _lastOffset) = (report.Partition, report.Offset);
            var latency = (int)Math.Max(0, _nowMs - report.Timestamp.UnixTimestampMs);
            // Only the sender thread writes it; Run reads it after Flush, which orders the two.
            _completed++;
            _latencySum += latency;
            _latencyMax = Math.Max(_latencyMax, latency);
            _windowCount++;
            _windowLatencySum += latency;
            _windowLatencyMax = Math.Max(_windowLatencyMax, latency);
            if (--_untilSample <= 0 && _sampleCount < _samples.Length)
            {
                _untilSample = _sampling;
                _samples[_sampleCount++] = latency;
            }
        }

        private void PrintWindow(long windowStart, long now)
        {
            var seconds = Stopwatch.GetElapsedTime(windowStart, now).TotalSeconds;
            var count = Interlocked.Exchange(ref _windowCount, 0);
            var sum = Interlocked.Exchange(ref _windowLatencySum, 0);
            var max = Interlocked.Exchange(ref _windowLatencyMax, 0);
            output.WriteLine(
                $"{count} records sent, {count / seconds:F1} records/sec ({count / seconds * recordSize / (1024.0 * 1024.0):F2} MB/sec), "
                + $"{(count == 0 ? 0 : (double)sum / count):F1} ms avg latency, {max:F1} ms max latency.");
        }

        private int Percentile(double p) => _sampleCount == 0 ? 0 : _samples[Math.Min(_sampleCount - 1, (int)(p * _sampleCount))];
    }
}
