using System.Globalization;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Host.Commands;

internal sealed partial class GroupsRunner
{
    public async Task<int> ResetOffsetsAsync(IAdminClient admin, CommandOutput output, IReadOnlyList<string>? groups, ResetRequest request, CancellationToken cancellationToken)
    {
        var ids = await ResolveAsync(admin, groups, cancellationToken).ConfigureAwait(false);
        var rows = new List<string[]>();
        foreach (var id in ids)
        {
            var description = (await admin.DescribeConsumerGroupsAsync([id], null, cancellationToken).ConfigureAwait(false)).ConsumerGroupDescriptions[0];
            if (description.State is not (ConsumerGroupState.Empty or ConsumerGroupState.Dead))
            {
                throw new CommandException(
                    $"Assignments can only be reset if the group '{id}' is inactive, but the current state is {description.State} ({description.Members.Count} members). Stop its consumers first.");
            }

            var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(id, null)], null, cancellationToken).ConfigureAwait(false))[0].Partitions
                .ToDictionary(p => p.TopicPartition, p => p.Offset);
            var partitions = await PartitionsToResetAsync(admin, request, committed, cancellationToken).ConfigureAwait(false);
            var plan = await PlanAsync(admin, request, partitions, committed, cancellationToken).ConfigureAwait(false);
            if (request.Execute && plan.Count > 0)
            {
                await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(id, plan)], null, cancellationToken).ConfigureAwait(false);
            }

            rows.AddRange(plan.Select(p => new[] { id, p.Topic, p.Partition.ToString(CultureInfo.InvariantCulture), p.Offset.Value.ToString(CultureInfo.InvariantCulture) }));
        }

        await output.Out.WriteLineAsync().ConfigureAwait(false);
        await Table.WriteAsync(output.Out, ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], rows).ConfigureAwait(false);
        if (!request.Execute)
        {
            await output.Out.WriteLineAsync().ConfigureAwait(false);
            await output.Out.WriteLineAsync("This was a dry run; add --execute to commit these offsets.").ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<List<TopicPartition>> PartitionsToResetAsync(
        IAdminClient admin,
        ResetRequest request,
        Dictionary<TopicPartition, Offset> committed,
        CancellationToken cancellationToken)
    {
        if (request.Topics is null)
        {
            return [.. committed.Keys.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)];
        }

        var result = new List<TopicPartition>();
        foreach (var (topic, partitions) in request.Topics)
        {
            if (partitions is not null)
            {
                result.AddRange(partitions.Select(p => new TopicPartition(topic, p)));
                continue;
            }

            TopicDescription description;
            try
            {
                description = (await admin.DescribeTopicsAsync([topic], null, cancellationToken).ConfigureAwait(false)).TopicDescriptions[0];
            }
            catch (DescribeTopicsException)
            {
                throw new CommandException($"Topic '{topic}' does not exist.");
            }

            result.AddRange(description.Partitions.Select(p => new TopicPartition(topic, p.Partition)));
        }

        return [.. result.Distinct()];
    }

    /// <summary>The new offset of each partition, kept between the log start and end as Kafka's tool does.</summary>
    private static async Task<List<TopicPartitionOffset>> PlanAsync(
        IAdminClient admin,
        ResetRequest request,
        List<TopicPartition> partitions,
        Dictionary<TopicPartition, Offset> committed,
        CancellationToken cancellationToken)
    {
        var logs = await LogOffsetsAsync(admin, partitions, cancellationToken).ConfigureAwait(false);
        if (logs.FirstOrDefault(l => l.Value.Start is null || l.Value.End is null) is { Key: { } missing })
        {
            throw new CommandException($"Partition {missing} does not exist or has no leader.");
        }

        Dictionary<TopicPartition, long> byTime = [];
        if (request.Scenario == ResetScenario.DateTime)
        {
            var specs = partitions.Select(tp => new TopicPartitionOffsetSpec(tp, OffsetSpec.ForTimestamp(request.Value))).ToList();
            var found = await admin.ListOffsetsAsync(specs, null, cancellationToken).ConfigureAwait(false);
            byTime = found.ResultInfos.ToDictionary(r => r.TopicPartition, r => r.Offset);
        }

        return [.. partitions.Select(tp =>
        {
            var (start, end) = (logs[tp].Start!.Value, logs[tp].End!.Value);
            var current = committed.TryGetValue(tp, out var c) && c.Value >= 0 ? c.Value : end;
            var target = request.Scenario switch
            {
                ResetScenario.Earliest => start,
                ResetScenario.Latest => end,
                ResetScenario.Offset => request.Value,
                ResetScenario.ShiftBy => current + request.Value,
                _ => byTime.TryGetValue(tp, out var t) && t >= 0 ? t : end,
            };
            return new TopicPartitionOffset(tp, Math.Clamp(target, start, end));
        })];
    }
}
