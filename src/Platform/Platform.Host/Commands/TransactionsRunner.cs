using System.CommandLine;
using System.Globalization;
using Platform.Client;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

/// <summary>The actions of the <c>transactions</c> subcommands, run against an admin client.</summary>
internal sealed class TransactionsRunner(Func<AdminClientConfig, IAdminClient> adminFactory)
{
    /// <summary>Runs <paramref name="action"/> with an admin client; see <see cref="AdminCommand.RunAsync"/>.</summary>
    public Task<int> RunAsync(ParseResult parse, ConnectionOptions connection, Func<IAdminClient, CommandOutput, Task<int>> action, CancellationToken cancellationToken)
        => AdminCommand.RunAsync(parse, connection, "platform-transactions", "Error while executing transactions command : ", adminFactory, action, cancellationToken);

    public async Task<int> ListAsync(IAdminClient admin, CommandOutput output, ListTransactionsOptions options, CancellationToken cancellationToken)
    {
        var listings = await admin.ListTransactionsAsync(options, cancellationToken).ConfigureAwait(false);
        await WriteTableAsync(
            output.Out,
            ["TransactionalId", "Coordinator", "ProducerId", "TransactionState"],
            listings.Select(l => new[] { l.TransactionalId, Text(l.CoordinatorId), Text(l.ProducerId), l.State })).ConfigureAwait(false);
        return 0;
    }

    public async Task<int> DescribeAsync(IAdminClient admin, CommandOutput output, string transactionalId, CancellationToken cancellationToken)
    {
        var description = (await admin.DescribeTransactionsAsync([transactionalId], null, cancellationToken).ConfigureAwait(false))[0];
        var now = DateTimeOffset.UtcNow;
        await WriteTableAsync(
            output.Out,
            ["CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState", "TransactionTimeoutMs", "CurrentTransactionStartTimeMs", "TransactionDurationMs", "TopicPartitions"],
            [[
                Text(description.CoordinatorId),
                description.TransactionalId,
                Text(description.ProducerId),
                Text(description.ProducerEpoch),
                description.State,
                Text((long)description.TransactionTimeout.TotalMilliseconds),
                description.TransactionStartTime is { } start ? Text(start.ToUnixTimeMilliseconds()) : "None",
                description.TransactionStartTime is { } began ? Text((long)(now - began).TotalMilliseconds) : "None",
                string.Join(",", description.Partitions.Select(p => p.ToString())),
            ]]).ConfigureAwait(false);
        if (description.Partitions.Count == 0)
        {
            return 0;
        }

        // The last stable offset is what read_committed consumers stop at: ListOffsets latest under read_committed.
        var stable = await LatestAsync(admin, description.Partitions, IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        var end = await LatestAsync(admin, description.Partitions, IsolationLevel.ReadUncommitted, cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync().ConfigureAwait(false);
        await WriteTableAsync(
            output.Out,
            ["Topic", "Partition", "LastStableOffset", "HighWatermark"],
            description.Partitions.Select(p => new[] { p.Topic, Text(p.Partition), Text(stable[p]), Text(end[p]) })).ConfigureAwait(false);
        return 0;
    }

    public async Task<int> AbortAsync(IAdminClient admin, CommandOutput output, TopicPartition partition, long startOffset, CancellationToken cancellationToken)
    {
        var producers = (await admin.DescribeProducersAsync([partition], null, cancellationToken).ConfigureAwait(false))[0].ActiveProducers;
        var producer = producers.FirstOrDefault(p => p.CurrentTransactionStartOffset == startOffset)
            ?? throw new CommandException($"No open transaction starts at offset {startOffset} of {partition}.");
        await admin.AbortTransactionAsync(new AbortTransactionSpec(partition, producer.ProducerId, (short)producer.ProducerEpoch, Math.Max(0, producer.CoordinatorEpoch)), null, cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync($"Aborted the transaction of producer {producer.ProducerId} (epoch {producer.ProducerEpoch}) starting at offset {startOffset} of {partition}.").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> FindHangingAsync(IAdminClient admin, CommandOutput output, string? topic, TimeSpan maxTimeout, CancellationToken cancellationToken)
    {
        var metadata = await admin.GetMetadataAsync(topic is null ? null : [topic], cancellationToken).ConfigureAwait(false);
        var partitions = metadata.Topics
            .Where(t => topic is not null || !t.Topic.StartsWith("__", StringComparison.Ordinal))
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
            .ToList();
        var rows = new List<string[]>();
        if (partitions.Count > 0)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var result in await admin.DescribeProducersAsync(partitions, null, cancellationToken).ConfigureAwait(false))
            {
                foreach (var producer in result.ActiveProducers)
                {
                    var age = now - producer.LastTimestamp;
                    if (producer.CurrentTransactionStartOffset is { } start && producer.LastTimestamp >= 0 && age > maxTimeout.TotalMilliseconds)
                    {
                        rows.Add([result.TopicPartition.Topic, Text(result.TopicPartition.Partition), Text(producer.ProducerId), Text(producer.ProducerEpoch), Text(producer.CoordinatorEpoch), Text(start), Text(producer.LastTimestamp), Text(age / 60_000)]);
                    }
                }
            }
        }

        await WriteTableAsync(output.Out, ["Topic", "Partition", "ProducerId", "ProducerEpoch", "CoordinatorEpoch", "StartOffset", "LastTimestamp", "Duration(min)"], rows).ConfigureAwait(false);
        return 0;
    }

    private static async Task<Dictionary<TopicPartition, long>> LatestAsync(IAdminClient admin, IReadOnlyList<TopicPartition> partitions, IsolationLevel isolation, CancellationToken cancellationToken)
    {
        var result = await admin.ListOffsetsAsync(partitions.Select(p => new TopicPartitionOffsetSpec(p, OffsetSpec.Latest())), new ListOffsetsOptions { IsolationLevel = isolation }, cancellationToken).ConfigureAwait(false);
        return result.ResultInfos.ToDictionary(r => r.TopicPartition, r => r.Offset);
    }

    /// <summary>Columns separated by tabs, with a header, as kafka-transactions.sh prints them.</summary>
    private static async Task WriteTableAsync(TextWriter writer, string[] header, IEnumerable<string[]> rows)
    {
        await writer.WriteLineAsync(string.Join('\t', header)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await writer.WriteLineAsync(string.Join('\t', row)).ConfigureAwait(false);
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
