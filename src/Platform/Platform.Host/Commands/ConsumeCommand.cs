using System.CommandLine;
using System.Globalization;
using Platform.Client;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform consume</c>: the counterpart of <c>kafka-console-consumer.sh</c>. Prints one record per
/// line (the value, or key, separator and value; null as <c>null</c>) until <c>--max-messages</c>,
/// <c>--timeout-ms</c> without a record, or Ctrl+C; then "Processed a total of N messages" on
/// standard error. Problems go to standard error with exit code 1.
/// </summary>
public static class ConsumeCommand
{
    /// <summary>Builds the <c>consume</c> command.</summary>
    public static Command Create()
    {
        var options = new ConsumerOptions();
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start with the earliest record rather than the latest." };
        var partition = new Option<int?>("--partition") { Description = "Consume only this partition (default: all)." };
        var offset = new Option<string?>("--offset") { Description = "With --partition: an offset, or earliest / latest (default latest)." };
        offset.Validators.Add(r =>
        {
            foreach (var token in r.Tokens.Where(t => ParseOffset(t.Value) is null))
            {
                r.AddError($"--offset must be a non-negative number, earliest or latest, not '{token.Value}'.");
            }
        });
        var maxMessages = new Option<long?>("--max-messages") { Description = "Exit after this many records (default: run until Ctrl+C)." }.AtLeast(1L);
        var timeoutMs = new Option<int?>("--timeout-ms") { Description = "Exit when no record arrives for this long." };
        var printKey = new Option<bool>("--print-key") { Description = "Print the key before the value." };
        var keySeparator = new Option<string>("--key-separator") { Description = "Text between key and value (default a tab).", DefaultValueFactory = _ => "\t" };
        var isolationLevel = new Option<string?>("--isolation-level") { Description = "read_uncommitted (default) or read_committed." };
        isolationLevel.AcceptOnlyFromAmong("read_uncommitted", "read_committed");
        var group = new Option<string?>("--group") { Description = "Consume as a member of this consumer group (subscribe; offsets committed automatically)." };

        var command = new Command("consume", "Print the records of a topic to standard output, one per line.");
        options.AddTo(command);
        foreach (var option in (Option[])[fromBeginning, partition, offset, maxMessages, timeoutMs, printKey, keySeparator, isolationLevel, group])
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            if (r.GetResult(offset) is not null && r.GetResult(partition) is null)
            {
                r.AddError("--offset needs --partition.");
            }

            if (r.GetResult(offset) is not null && r.GetValue(fromBeginning))
            {
                r.AddError("--offset and --from-beginning exclude each other.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var err = parse.InvocationConfiguration.Error;
            try
            {
                var config = options.Config(parse, "platform-console-consumer");
                if (parse.GetValue(group) is { } groupId)
                {
                    if (parse.GetValue(partition) is not null || parse.GetValue(offset) is not null)
                    {
                        throw new ArgumentException("--partition and --offset cannot be used with --group: the group assigns the partitions.");
                    }

                    // Subscribe instead of assigning; --from-beginning applies where the group has no committed offset.
                    config.GroupId = groupId;
                    config.AutoOffsetReset = parse.GetValue(fromBeginning) ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest;
                }

                if (parse.GetValue(isolationLevel) is { } level)
                {
                    config.Set("isolation.level", level);
                }

                var start = StartOffset(parse.GetValue(offset), parse.GetValue(fromBeginning));
                using var stop = ConsumerOptions.CancelOnCtrlC(cancellationToken);
                var run = new Run(
                    parse.InvocationConfiguration.Output,
                    err,
                    parse.GetValue(maxMessages),
                    parse.GetValue(timeoutMs) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                    parse.GetValue(printKey) ? parse.GetValue(keySeparator) ?? "\t" : null);
                return await run.RunAsync(config, parse.GetRequiredValue(options.Topic), parse.GetValue(partition), start, stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or ArgumentException)
            {
                await err.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    // A given --offset was checked by its rule (a usage error otherwise).
    private static Offset StartOffset(string? offset, bool fromBeginning)
        => offset is null ? (fromBeginning ? Offset.Beginning : Offset.End) : ParseOffset(offset)!.Value;

    private static Offset? ParseOffset(string offset) => offset switch
    {
        "earliest" => Offset.Beginning,
        "latest" => Offset.End,
        _ when long.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    private sealed class Run(TextWriter output, TextWriter err, long? maxMessages, TimeSpan? timeout, string? keySeparator)
    {
        public async Task<int> RunAsync(ConsumerConfig config, string topic, int? partition, Offset start, CancellationToken cancellationToken)
        {
            var partitions = config.GroupId is not null ? [] : partition is { } p ? [new TopicPartition(topic, p)] : await ConsumerOptions.PartitionsAsync(config, topic, cancellationToken).ConfigureAwait(false);
            await using var consumer = new ConsumerBuilder<string?, string?>(config)
                .SetErrorHandler((_, error) => err.WriteLine($"Warning: {error.Reason}"))
                .Build();
            if (config.GroupId is not null)
            {
                consumer.Subscribe(topic);
            }
            else
            {
                consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, start)));
            }

            long count = 0;
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                while (maxMessages is not { } max || count < max)
                {
                    if (timeout is { } t)
                    {
                        idle.CancelAfter(t);
                    }

                    var result = await consumer.ConsumeAsync(idle.Token).ConfigureAwait(false);
                    var value = result.Message!.Value ?? "null";
                    await output.WriteLineAsync(keySeparator is null ? value : $"{result.Message.Key ?? "null"}{keySeparator}{value}").ConfigureAwait(false);
                    count++;
                }
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested)
            {
                // Ctrl+C or --timeout-ms: a normal end.
            }
            finally
            {
                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                await err.WriteLineAsync($"Processed a total of {count} messages").ConfigureAwait(false);
            }

            return 0;
        }
    }
}
