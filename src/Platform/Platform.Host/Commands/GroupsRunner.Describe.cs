using Platform.Client;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

internal sealed partial class GroupsRunner
{
    public async Task<int> DescribeAsync(
        IAdminClient admin,
        CommandOutput output,
        IReadOnlyList<string>? groups,
        DescribeView view,
        bool verbose,
        CancellationToken cancellationToken)
    {
        var ids = await ResolveAsync(admin, groups, cancellationToken).ConfigureAwait(false);
        var exit = 0;
        foreach (var id in ids)
        {
            var description = (await admin.DescribeConsumerGroupsAsync([id], null, cancellationToken).ConfigureAwait(false)).ConsumerGroupDescriptions[0];
            await output.Out.WriteLineAsync().ConfigureAwait(false);
            if (description.State == ConsumerGroupState.Dead)
            {
                await output.Err.WriteLineAsync($"Error: Consumer group '{id}' does not exist.").ConfigureAwait(false);
                exit = 1;
                continue;
            }

            var active = description.State is not (ConsumerGroupState.Empty or ConsumerGroupState.Dead);
            if (!active && view != DescribeView.State)
            {
                await output.Out.WriteLineAsync($"Consumer group '{id}' has no active members.").ConfigureAwait(false);
                await output.Out.WriteLineAsync().ConfigureAwait(false);
            }

            switch (view)
            {
                case DescribeView.State:
                    var coordinator = description.Coordinator is { } c ? $"{c.Host}:{c.Port} ({c.Id})" : "-";
                    await Table.WriteAsync(
                        output.Out,
                        ["GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"],
                        [[id, coordinator, Dash(description.PartitionAssignor), description.State.ToString(), description.Members.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)]]).ConfigureAwait(false);
                    break;
                case DescribeView.Members:
                    if (active)
                    {
                        await Table.WriteAsync(
                            output.Out,
                            verbose ? ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"] : ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"],
                            description.Members.Select(m => (string[])[
                                id, m.ConsumerId, "/" + m.Host, m.ClientId, m.Assignment.Partitions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                                .. verbose ? [FormatAssignment(m.Assignment.Partitions)] : Array.Empty<string>()])).ConfigureAwait(false);
                    }

                    break;
                default:
                    await WriteOffsetsAsync(admin, output, description, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        return exit;
    }

    private static async Task WriteOffsetsAsync(IAdminClient admin, CommandOutput output, ConsumerGroupDescription description, CancellationToken cancellationToken)
    {
        var id = description.GroupId;
        var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(id, null)], null, cancellationToken).ConfigureAwait(false))[0].Partitions
            .ToDictionary(p => p.TopicPartition, p => p.Offset);
        var owners = description.Members
            .SelectMany(m => m.Assignment.Partitions.Select(p => (Partition: p, Member: m)))
            .GroupBy(x => x.Partition)
            .ToDictionary(g => g.Key, g => g.First().Member);
        var partitions = committed.Keys.Union(owners.Keys)
            .OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)
            .ToList();
        var logs = await LogOffsetsAsync(admin, partitions, cancellationToken).ConfigureAwait(false);
        var rows = partitions.Select(tp =>
        {
            var current = committed.TryGetValue(tp, out var offset) && offset.Value >= 0 ? offset.Value : (long?)null;
            var end = logs.TryGetValue(tp, out var log) ? log.End : null;
            var lag = current is { } cur && end is { } e ? Math.Max(0, e - cur).ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";
            var owner = owners.GetValueOrDefault(tp);
            return new[]
            {
                id, tp.Topic, tp.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture),
                current?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                end?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                lag,
                owner?.ConsumerId ?? "-",
                owner is null ? "-" : "/" + owner.Host,
                owner?.ClientId ?? "-",
            };
        });
        await Table.WriteAsync(
            output.Out,
            ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"],
            rows).ConfigureAwait(false);
    }

    private static string Dash(string? text) => string.IsNullOrEmpty(text) ? "-" : text;

    private static string FormatAssignment(IReadOnlyList<TopicPartition> partitions)
        => partitions.Count == 0 ? "-" : string.Join(",", partitions.GroupBy(p => p.Topic).Select(t => $"{t.Key}({string.Join(",", t.Select(p => p.Partition))})"));
}
