using Platform.Client.Groups;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

internal sealed partial class AdminClient
{
    public async Task<ListConsumerGroupsResult> ListConsumerGroupsAsync(ListConsumerGroupsOptions? options = null, CancellationToken cancellationToken = default)
    {
        var states = options?.MatchStates is { Count: > 0 } match ? match.ToHashSet() : null;
        var metadata = await GetMetadataAsync([], cancellationToken).ConfigureAwait(false);
        var groups = new Dictionary<string, ConsumerGroupListing>(StringComparer.Ordinal);
        var errors = new List<Error>();

        // Each broker knows only the groups it coordinates.
        foreach (var broker in metadata.Brokers)
        {
            try
            {
                var connection = await _cluster.GetNodeAsync(broker.BrokerId, cancellationToken).ConfigureAwait(false);
                var version = connection.ApiVersions.Select(ApiKey.ListGroups);
                var request = new ListGroupsRequest
                {
                    StatesFilter = version >= 4 && states is not null ? [.. states.Select(s => s.ToWireName())] : [],
                };
                var response = await connection.SendAsync<ListGroupsResponse>(request, version, cancellationToken).ConfigureAwait(false);
                if (response.ErrorCode != 0)
                {
                    errors.Add(Error.FromWire(response.ErrorCode, $"Broker {broker.BrokerId} could not list its groups: {((ErrorCode)response.ErrorCode).ToKafkaName()}"));
                    continue;
                }

                foreach (var group in response.Groups.Where(g => g.ProtocolType is "" or ConsumerProtocol.ProtocolType))
                {
                    var state = ConsumerGroupStateNames.Parse(group.GroupState);
                    if (states is null || states.Contains(state))
                    {
                        groups[group.GroupId] = new ConsumerGroupListing(group.GroupId, group.ProtocolType.Length == 0, state);
                    }
                }
            }
            catch (KafkaException ex) when (ex.Error.Code is ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
            {
                errors.Add(ex.Error);
            }
        }

        return new ListConsumerGroupsResult([.. groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal)], errors);
    }

    public async Task<DescribeConsumerGroupsResult> DescribeConsumerGroupsAsync(
        IEnumerable<string> groups,
        DescribeConsumerGroupsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var ids = groups.Distinct(StringComparer.Ordinal).ToList();
        var descriptions = new List<ConsumerGroupDescription>(ids.Count);
        foreach (var id in ids)
        {
            descriptions.Add(await DescribeOneAsync(id, cancellationToken).ConfigureAwait(false));
        }

        if (descriptions.Any(d => d.Error.IsError))
        {
            throw new DescribeConsumerGroupsException(descriptions);
        }

        return new DescribeConsumerGroupsResult(descriptions);
    }

    private async Task<ConsumerGroupDescription> DescribeOneAsync(string groupId, CancellationToken cancellationToken)
    {
        DescribeGroupsResponse response;
        try
        {
            response = await _coordinators.SendAsync<DescribeGroupsResponse>(
                groupId,
                ApiKey.DescribeGroups,
                _ => new DescribeGroupsRequest { Groups = [groupId] },
                r => r.Groups.FirstOrDefault()?.ErrorCode ?? 0,
                cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException ex) when (ex.Error.Code != ErrorCode.NetworkException)
        {
            return new ConsumerGroupDescription(groupId, false, [], "", ConsumerGroupState.Unknown, null, ex.Error);
        }

        var coordinator = await CoordinatorNodeAsync(groupId, cancellationToken).ConfigureAwait(false);
        var group = response.Groups.FirstOrDefault(g => g.GroupId == groupId);
        if (group is null)
        {
            return new ConsumerGroupDescription(groupId, false, [], "", ConsumerGroupState.Unknown, coordinator, new Error(ErrorCode.UnknownServerError, "The coordinator did not describe the group."));
        }

        var isConsumer = group.ProtocolType == ConsumerProtocol.ProtocolType;
        var members = group.Members
            .Select(m => new MemberDescription(
                m.MemberId,
                m.GroupInstanceId,
                m.ClientId,
                m.ClientHost.TrimStart('/'),
                isConsumer ? TryDecode(() => ConsumerProtocol.DecodeAssignment(m.MemberAssignment), MemberAssignment.Empty) : MemberAssignment.Empty,
                isConsumer && m.MemberMetadata.Length > 0 ? TryDecode(() => ConsumerProtocol.DecodeSubscription(m.MemberMetadata).Topics, []) : []))
            .OrderBy(m => m.ClientId, StringComparer.Ordinal)
            .ThenBy(m => m.ConsumerId, StringComparer.Ordinal)
            .ToList();
        return new ConsumerGroupDescription(
            groupId,
            group.ProtocolType.Length == 0,
            members,
            group.ProtocolData,
            ConsumerGroupStateNames.Parse(group.GroupState),
            coordinator,
            Error.FromWire(group.ErrorCode));
    }

    private async Task<Node?> CoordinatorNodeAsync(string groupId, CancellationToken cancellationToken)
    {
        var nodeId = await _coordinators.FindAsync(groupId, cancellationToken).ConfigureAwait(false);
        return _cluster.TryGetNodeAddress(nodeId, out var address) ? new Node(nodeId, address.Host, address.Port) : null;
    }

    private static T TryDecode<T>(Func<T> decode, T fallback)
    {
        try
        {
            return decode();
        }
        catch (KafkaException)
        {
            // A member of another client with a broken or foreign encoding: show it without partitions.
            return fallback;
        }
    }

    public async Task DeleteGroupsAsync(IEnumerable<string> groups, DeleteGroupsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var reports = new List<DeleteGroupReport>();
        foreach (var groupId in groups.Distinct(StringComparer.Ordinal))
        {
            try
            {
                var response = await _coordinators.SendAsync<DeleteGroupsResponse>(
                    groupId,
                    ApiKey.DeleteGroups,
                    _ => new DeleteGroupsRequest { GroupsNames = [groupId] },
                    r => r.Results.FirstOrDefault()?.ErrorCode ?? 0,
                    cancellationToken).ConfigureAwait(false);
                var code = response.Results.FirstOrDefault(r => r.GroupId == groupId)?.ErrorCode ?? (short)ErrorCode.UnknownServerError;
                reports.Add(new DeleteGroupReport(groupId, GroupError(code, groupId)));
            }
            catch (KafkaException ex) when (ex.Error.Code != ErrorCode.NetworkException)
            {
                reports.Add(new DeleteGroupReport(groupId, ex.Error));
            }
        }

        if (reports.Any(r => r.Error.IsError))
        {
            throw new DeleteGroupsException(reports);
        }
    }

    private static Error GroupError(short code, string groupId) => (ErrorCode)code switch
    {
        ErrorCode.None => Error.NoError,
        ErrorCode.NonEmptyGroup => new Error(ErrorCode.NonEmptyGroup, $"Group '{groupId}' is not empty: it has active members."),
        ErrorCode.GroupIdNotFound => new Error(ErrorCode.GroupIdNotFound, $"Group '{groupId}' does not exist."),
        var other => new Error(other, $"Group '{groupId}': {other.ToKafkaName()}"),
    };
}
