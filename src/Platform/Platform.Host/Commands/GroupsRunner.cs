using System.CommandLine;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Host.Commands;

/// <summary>The views of <c>groups describe</c>.</summary>
internal enum DescribeView
{
    Offsets,
    Members,
    State,
}


/// <summary>The actions of the <c>groups</c> subcommands, run against an admin client.</summary>
internal sealed partial class GroupsRunner(Func<AdminClientConfig, IAdminClient> adminFactory)
{
    /// <summary>Runs <paramref name="action"/> with an admin client; see <see cref="AdminCommand.RunAsync"/>.</summary>
    public Task<int> RunAsync(ParseResult parse, ConnectionOptions connection, Func<IAdminClient, CommandOutput, Task<int>> action, CancellationToken cancellationToken)
        => AdminCommand.RunAsync(parse, connection, "platform-groups", "Error: ", adminFactory, action, cancellationToken);

    public async Task<int> ListAsync(IAdminClient admin, CommandOutput output, bool withState, CancellationToken cancellationToken)
    {
        var result = await admin.ListConsumerGroupsAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var error in result.Errors)
        {
            await output.Err.WriteLineAsync($"Warning: {error.Reason}").ConfigureAwait(false);
        }

        if (withState)
        {
            await Table.WriteAsync(output.Out, ["GROUP", "STATE"], result.Valid.Select(g => new[] { g.GroupId, g.State.ToString() })).ConfigureAwait(false);
            return 0;
        }

        foreach (var group in result.Valid)
        {
            await output.Out.WriteLineAsync(group.GroupId).ConfigureAwait(false);
        }

        return 0;
    }

    public async Task<int> DeleteAsync(IAdminClient admin, CommandOutput output, IReadOnlyList<string>? groups, CancellationToken cancellationToken)
    {
        var ids = await ResolveAsync(admin, groups, cancellationToken).ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return 0;
        }

        try
        {
            await admin.DeleteGroupsAsync(ids, null, cancellationToken).ConfigureAwait(false);
        }
        catch (DeleteGroupsException ex)
        {
            var failed = ex.Results.Where(r => r.Error.IsError).ToList();
            var succeeded = ex.Results.Where(r => !r.Error.IsError).Select(r => r.Group).ToList();
            if (succeeded.Count > 0)
            {
                await output.Out.WriteLineAsync($"Deletion of requested consumer groups ({Quoted(succeeded)}) was successful.").ConfigureAwait(false);
            }

            throw new CommandException("Deletion of some consumer groups failed:" + string.Concat(failed.Select(f => $"\n* Group '{f.Group}' could not be deleted due to: {f.Error.Code.ToKafkaName()} ({f.Error.Reason})")));
        }

        await output.Out.WriteLineAsync($"Deletion of requested consumer groups ({Quoted(ids)}) was successful.").ConfigureAwait(false);
        return 0;
    }

    private static string Quoted(IEnumerable<string> groups) => string.Join(", ", groups.Select(g => $"'{g}'"));

    /// <summary>The named groups, or every consumer group for --all-groups.</summary>
    private static async Task<List<string>> ResolveAsync(IAdminClient admin, IReadOnlyList<string>? groups, CancellationToken cancellationToken)
    {
        if (groups is not null)
        {
            return [.. groups.Distinct(StringComparer.Ordinal)];
        }

        var listed = await admin.ListConsumerGroupsAsync(null, cancellationToken).ConfigureAwait(false);
        return [.. listed.Valid.Select(g => g.GroupId)];
    }

    /// <summary>Log start and end offsets of <paramref name="partitions"/> (null where unknown).</summary>
    private static async Task<Dictionary<TopicPartition, (long? Start, long? End)>> LogOffsetsAsync(
        IAdminClient admin,
        IReadOnlyCollection<TopicPartition> partitions,
        CancellationToken cancellationToken)
    {
        var list = partitions.ToList();
        var specs = list.Select(tp => new TopicPartitionOffsetSpec(tp, OffsetSpec.Earliest()))
            .Concat(list.Select(tp => new TopicPartitionOffsetSpec(tp, OffsetSpec.Latest())))
            .ToList();
        IReadOnlyList<ListOffsetsResultInfo> infos;
        try
        {
            infos = list.Count == 0 ? [] : (await admin.ListOffsetsAsync(specs, null, cancellationToken).ConfigureAwait(false)).ResultInfos;
        }
        catch (ListOffsetsException ex)
        {
            infos = ex.Results;
        }

        var offsets = new Dictionary<TopicPartition, (long? Start, long? End)>();
        for (var i = 0; i < list.Count; i++)
        {
            offsets[list[i]] = (
                infos[i].Error.IsError ? null : infos[i].Offset,
                infos[list.Count + i].Error.IsError ? null : infos[list.Count + i].Offset);
        }

        return offsets;
    }
}
