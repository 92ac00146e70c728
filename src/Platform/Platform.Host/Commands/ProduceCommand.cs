using System.CommandLine;
using Platform.Client;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform produce</c>: the counterpart of <c>kafka-console-producer.sh</c>. Reads one record per
/// line from standard input; with <c>--key-separator</c> the text before the first separator is the
/// key. Exits 0 when every record was acknowledged, 1 otherwise (the failures on standard error).
/// </summary>
public static class ProduceCommand
{
    /// <summary>Builds the <c>produce</c> command reading the console's standard input.</summary>
    public static Command Create() => Create(() => Console.In);

    /// <summary>Builds the command with another input (for tests).</summary>
    internal static Command Create(Func<TextReader> input)
    {
        var options = new ProducerOptions();
        var keySeparator = new Option<string?>("--key-separator") { Description = "Split each line into key and value at the first occurrence of this text." };
        var acks = new Option<string?>("--acks") { Description = "0, 1 or all (default all)." };
        acks.AcceptOnlyFromAmong("0", "1", "all", "-1");
        var compression = new Option<string?>("--compression") { Description = "none, gzip, snappy, lz4 or zstd (default none)." };
        compression.AcceptOnlyFromAmong("none", "gzip", "snappy", "lz4", "zstd");

        var command = new Command("produce", "Read records from standard input, one per line, and produce them to a topic.");
        options.AddTo(command);
        command.Options.Add(keySeparator);
        command.Options.Add(acks);
        command.Options.Add(compression);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var err = parse.InvocationConfiguration.Error;
            try
            {
                var config = options.Config(parse, "platform-console-producer");
                if (parse.GetValue(acks) is { } a)
                {
                    config.Set("acks", a);
                }

                if (parse.GetValue(compression) is { } c)
                {
                    config.Set("compression.type", c);
                }

                return await RunAsync(config, parse.GetRequiredValue(options.Topic), parse.GetValue(keySeparator), input(), err, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or ArgumentException)
            {
                await err.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ProducerConfig config, string topic, string? separator, TextReader input, TextWriter err, CancellationToken cancellationToken)
    {
        var failures = 0;
        await using var producer = new ProducerBuilder<string?, string>(config).Build();
        void OnDelivery(DeliveryReport<string?, string> report)
        {
            if (report.Error.IsError && Interlocked.Increment(ref failures) <= 10)
            {
                lock (err)
                {
                    err.WriteLine($"Error when sending record to {report.Topic}: {report.Error}");
                }
            }
        }

        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var message = new Message<string?, string> { Value = line };
            var cut = string.IsNullOrEmpty(separator) ? -1 : line.IndexOf(separator, StringComparison.Ordinal);
            if (cut >= 0)
            {
                message.Key = line[..cut];
                message.Value = line[(cut + separator!.Length)..];
            }

            producer.Produce(topic, message, OnDelivery);
        }

        await producer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (failures > 0)
        {
            await err.WriteLineAsync($"{failures} record(s) could not be produced.").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }
}
