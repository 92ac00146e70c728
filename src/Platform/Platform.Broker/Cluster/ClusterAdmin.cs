using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Platform.Broker.Replication;
using Platform.Broker.Requests;
using Platform.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Cluster;

/// <summary>Changes a topic's config overrides: here on a single broker, through the controller in a cluster.</summary>
public delegate Task<TopicResult> TopicConfigChange(string topic, Func<Dictionary<string, string>, Dictionary<string, string>> change, bool validateOnly);

/// <summary>
/// Admin requests in a cluster: the controller decides them. On the controller broker they call the
/// <see cref="ClusterController"/>; on any other broker the request goes on to the controller as it came (see
/// <see cref="ControllerChannel"/> for why), and the answer comes back unchanged. Either way the broker waits a
/// moment for its own metadata to show the change, so a client that asks it next sees what it just did.
/// </summary>
public sealed class ClusterAdmin(ClusterService service, ClusterMetadata metadata, TopicManager topics, ClusterInfo info, ReplicationThrottle throttle, IOptions<BrokerOptions> options)
{
    private static readonly TimeSpan PropagationWait = TimeSpan.FromSeconds(5);

    private BrokerOptions Options => options.Value;

    /// <summary>Runs <paramref name="onController"/> here if this broker is the controller, else forwards <paramref name="request"/> to the controller.</summary>
    public async Task<TResponse> ViaControllerAsync<TResponse>(
        RequestContext context, IRequestMessage request, Func<ClusterController, Task<TResponse>> onController, Func<ErrorCode, TResponse> failed,
        CancellationToken cancellationToken)
        where TResponse : IResponseMessage, new()
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(onController);
        ArgumentNullException.ThrowIfNull(failed);
        if (service.ActiveController is { } controller)
        {
            return await onController(controller).ConfigureAwait(false);
        }

        // Right after start, or while a new controller is being elected, there may be none for a moment.
        await metadata.WaitForAsync(v => v.Brokers.ContainsKey(v.ControllerId), PropagationWait, cancellationToken).ConfigureAwait(false);
        if (await ElectedHereAsync(cancellationToken).ConfigureAwait(false) is { } elected)
        {
            return await onController(elected).ConfigureAwait(false);
        }

        var view = metadata.View;
        if (view.ControllerId == info.NodeId || !view.Brokers.TryGetValue(view.ControllerId, out var target))
        {
            // No controller elected yet (or this broker's role just ended): clients retry NOT_CONTROLLER after a metadata refresh.
            return failed(ErrorCode.NotController);
        }

        try
        {
            return await ControllerChannel.SendAsync<TResponse>(target, request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ProtocolException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return failed(ErrorCode.NotController);
        }
    }

    /// <summary>
    /// The controller if this broker has just won the election: between claiming the role in etcd and having read
    /// the cluster's state it is named controller but not yet active, so a request waits for it a moment.
    /// </summary>
    private async Task<ClusterController?> ElectedHereAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + PropagationWait;
        while (metadata.View.ControllerId == info.NodeId && DateTime.UtcNow < deadline)
        {
            if (service.ActiveController is { } controller)
            {
                return controller;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return service.ActiveController;
    }

    /// <summary>Kafka's error for a controller's refusal (the names are the same).</summary>
    public static ErrorCode ToErrorCode(ClusterError error) => error switch
    {
        ClusterError.None => ErrorCode.None,
        ClusterError.NotController => ErrorCode.NotController,
        ClusterError.TopicAlreadyExists => ErrorCode.TopicAlreadyExists,
        ClusterError.UnknownTopicOrPartition => ErrorCode.UnknownTopicOrPartition,
        ClusterError.InvalidPartitions => ErrorCode.InvalidPartitions,
        ClusterError.InvalidReplicationFactor => ErrorCode.InvalidReplicationFactor,
        ClusterError.InvalidReplicaAssignment => ErrorCode.InvalidReplicaAssignment,
        ClusterError.ElectionNotNeeded => ErrorCode.ElectionNotNeeded,
        ClusterError.PreferredLeaderNotAvailable => ErrorCode.PreferredLeaderNotAvailable,
        ClusterError.EligibleLeadersNotAvailable => ErrorCode.EligibleLeadersNotAvailable,
        ClusterError.NoReassignmentInProgress => ErrorCode.NoReassignmentInProgress,
        _ => ErrorCode.UnknownServerError,
    };

    /// <summary>CreateTopics on the controller.</summary>
    public async Task<CreateTopicsResponse> CreateTopicsAsync(ClusterController controller, CreateTopicsRequest request, CancellationToken cancellationToken)
    {
        var response = new CreateTopicsResponse { Topics = new(request.Topics.Count) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var creatable in request.Topics)
        {
            var result = new CreateTopicsResponse.CreatableTopicResult { Name = creatable.Name, NumPartitions = -1, ReplicationFactor = -1, Configs = [] };
            response.Topics.Add(result);
            var (error, message) = !seen.Add(creatable.Name)
                ? (ErrorCode.InvalidRequest, $"Topic '{creatable.Name}' appears more than once in the request.")
                : await CreateTopicAsync(controller, creatable, request.ValidateOnly, cancellationToken).ConfigureAwait(false);
            if (error != ErrorCode.None)
            {
                result.ErrorCode = (short)error;
                result.ErrorMessage = message;
                result.Configs = null;
                continue;
            }

            if (metadata.View.Topics.TryGetValue(creatable.Name, out var created))
            {
                result.TopicId = created.TopicId;
                result.NumPartitions = created.Replicas.Length;
                result.ReplicationFactor = (short)created.Replicas[0].Length;
            }
        }

        return response;
    }

    private async Task<(ErrorCode, string?)> CreateTopicAsync(
        ClusterController controller, CreateTopicsRequest.CreatableTopic creatable, bool validateOnly, CancellationToken cancellationToken)
    {
        if (TopicNames.Validate(creatable.Name) is { } invalid)
        {
            return (ErrorCode.InvalidTopicException, invalid);
        }

        int[][]? assignment = null;
        var partitions = creatable.NumPartitions == -1 ? Options.NumPartitions : creatable.NumPartitions;
        var replicationFactor = creatable.ReplicationFactor == -1 ? Options.DefaultReplicationFactor : creatable.ReplicationFactor;
        if (creatable.Assignments.Count > 0)
        {
            if (creatable.NumPartitions != -1 || creatable.ReplicationFactor != -1)
            {
                return (ErrorCode.InvalidRequest, "Both manual replica assignments and a partition count or replication factor were given.");
            }

            var ordered = creatable.Assignments.OrderBy(a => a.PartitionIndex).ToList();
            if (ordered.Select((a, i) => a.PartitionIndex != i).Any(wrong => wrong))
            {
                return (ErrorCode.InvalidReplicaAssignment, "Replica assignments must name partitions 0 to n-1, each once.");
            }

            assignment = [.. ordered.Select(a => a.BrokerIds.ToArray())];
            partitions = assignment.Length;
        }

        if (partitions < 1)
        {
            return (ErrorCode.InvalidPartitions, $"Number of partitions must be at least 1, got {partitions}.");
        }

        if (partitions > Options.MaxPartitionsPerRequest)
        {
            return (ErrorCode.InvalidPartitions,
                $"Topic '{creatable.Name}' asks for {partitions} partitions; at most {Options.MaxPartitionsPerRequest} may be created at once (max.partitions.per.request).");
        }

        var overrides = creatable.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal);
        if (topics.ValidateConfigs(overrides) is { } configError)
        {
            return (ErrorCode.InvalidConfig, configError);
        }

        if (metadata.View.Topics.ContainsKey(creatable.Name))
        {
            return (ErrorCode.TopicAlreadyExists, $"Topic '{creatable.Name}' already exists.");
        }

        // The controller decides the replication factor against the brokers it counts (validate_only included).
        var result = await controller.CreateTopicAsync(
            creatable.Name, partitions, replicationFactor, assignment, overrides.Count > 0 ? overrides : null, validateOnly, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded && !validateOnly)
        {
            await metadata.WaitForAsync(v => v.Topics.ContainsKey(creatable.Name), PropagationWait, cancellationToken).ConfigureAwait(false);
        }

        return (ToErrorCode(result.Error), result.Message);
    }

    /// <summary>
    /// Creates a topic with broker defaults, or an internal topic with its coordinator's settings, through the
    /// controller (auto-creation by Metadata, the coordinators' topics by FindCoordinator); returns the error, if any.
    /// </summary>
    public async Task<ErrorCode> AutoCreateAsync(string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string>? configs, CancellationToken cancellationToken)
    {
        var creatable = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = partitions, ReplicationFactor = replicationFactor };
        foreach (var (key, value) in configs ?? new Dictionary<string, string>())
        {
            creatable.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = key, Value = value });
        }

        var request = new CreateTopicsRequest { Topics = [creatable], TimeoutMs = 30_000 };
        const short version = 5;
        var context = new RequestContext { ApiKey = ApiKey.CreateTopics, ApiVersion = version, CorrelationId = 0 };
        var response = await ViaControllerAsync(
            context,
            request,
            controller => CreateTopicsAsync(controller, request, cancellationToken),
            error => new CreateTopicsResponse { Topics = [new CreateTopicsResponse.CreatableTopicResult { Name = name, ErrorCode = (short)error }] },
            cancellationToken).ConfigureAwait(false);
        var code = (ErrorCode)response.Topics[0].ErrorCode;
        if (code is ErrorCode.None or ErrorCode.TopicAlreadyExists)
        {
            await metadata.WaitForAsync(v => v.Topics.ContainsKey(name), PropagationWait, cancellationToken).ConfigureAwait(false);
            return ErrorCode.None;
        }

        return code;
    }

    /// <summary>
    /// AlterConfigs and IncrementalAlterConfigs: <paramref name="alter"/> gets the change for topics and the one for
    /// brokers' dynamic configs (the replication throttle rates), applied here on a single broker, by the controller
    /// in a cluster.
    /// </summary>
    public async Task<TResponse> AlterConfigsAsync<TResponse>(
        RequestContext context, IRequestMessage request, Func<TopicConfigChange, TopicConfigChange, Task<TResponse>> alter, Func<ErrorCode, TResponse> failed,
        CancellationToken cancellationToken)
        where TResponse : IResponseMessage, new()
    {
        ArgumentNullException.ThrowIfNull(alter);
        return metadata.Enabled
            ? await ViaControllerAsync(
                context, request, controller => alter(
                    (name, change, validateOnly) => AlterTopicConfigsAsync(controller, name, change, validateOnly, cancellationToken),
                    (name, change, validateOnly) => AlterBrokerConfigsAsync(controller, name, change, validateOnly, cancellationToken)),
                failed, cancellationToken).ConfigureAwait(false)
            : await alter(
                (name, change, validateOnly) => Task.FromResult(topics.AlterConfigs(name, change, validateOnly)),
                (name, change, validateOnly) => Task.FromResult(AlterBrokerConfigsHere(name, change, validateOnly))).ConfigureAwait(false);
    }

    /// <summary>A single broker's dynamic configs, kept and persisted by <see cref="ReplicationThrottle"/>.</summary>
    private TopicResult AlterBrokerConfigsHere(string resource, Func<Dictionary<string, string>, Dictionary<string, string>> change, bool validateOnly)
    {
        if (ReplicationThrottle.ResourceName(resource) is not { } name)
        {
            return new TopicResult(ErrorCode.InvalidRequest, $"'{resource}' is not a broker id.");
        }

        var next = change(new Dictionary<string, string>(throttle.Configs(name), StringComparer.Ordinal));
        if (ReplicationThrottle.Validate(next) is { } invalid)
        {
            return invalid;
        }

        if (!validateOnly)
        {
            throttle.SetLocal(name, next);
        }

        return TopicResult.Ok;
    }

    /// <summary>A broker's (or the cluster default's) dynamic configs changed by <paramref name="change"/>, on the controller.</summary>
    private Task<TopicResult> AlterBrokerConfigsAsync(
        ClusterController controller, string resource, Func<Dictionary<string, string>, Dictionary<string, string>> change, bool validateOnly, CancellationToken cancellationToken)
        => ReplicationThrottle.ResourceName(resource) is { } name
            ? AlterOnControllerAsync(
                write => controller.AlterBrokerConfigsAsync(name, write, cancellationToken), change, ReplicationThrottle.Validate, validateOnly,
                v => v.BrokerConfigs.GetValueOrDefault(name), cancellationToken)
            : Task.FromResult(new TopicResult(ErrorCode.InvalidRequest, $"'{resource}' is not a broker id."));

    /// <summary>A topic's config overrides changed by <paramref name="change"/>, on the controller: checked here, written by the controller.</summary>
    public Task<TopicResult> AlterTopicConfigsAsync(
        ClusterController controller, string name, Func<Dictionary<string, string>, Dictionary<string, string>> change, bool validateOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(controller);
        return AlterOnControllerAsync(
            write => controller.AlterTopicConfigsAsync(name, write, cancellationToken), change,
            next => topics.ValidateConfigs(next) is { } error ? new TopicResult(ErrorCode.InvalidConfig, error) : null, validateOnly,
            v => v.Topics.TryGetValue(name, out var t) ? t.Configs : null, cancellationToken);
    }

    /// <summary>
    /// A config change on the controller: <paramref name="write"/> runs it under the controller's lock with the change
    /// (checked by <paramref name="validate"/>, dropped when only validating); once written, waits a moment until this
    /// broker's metadata (<paramref name="stored"/>) shows it.
    /// </summary>
    private async Task<TopicResult> AlterOnControllerAsync(
        Func<Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>?>, Task<ClusterResult>> write,
        Func<Dictionary<string, string>, Dictionary<string, string>> change, Func<Dictionary<string, string>, TopicResult?> validate, bool validateOnly,
        Func<ClusterView, IReadOnlyDictionary<string, string>?> stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        TopicResult refused = TopicResult.Ok;
        Dictionary<string, string>? written = null;
        var outcome = await write(current =>
        {
            var next = change(new Dictionary<string, string>(current, StringComparer.Ordinal));
            if (validate(next) is { } invalid)
            {
                refused = invalid;
                return null;
            }

            return validateOnly ? null : written = next;
        }).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            return new TopicResult(ToErrorCode(outcome.Error), outcome.Message);
        }

        if (written is not null)
        {
            await metadata.WaitForAsync(
                v => (stored(v) ?? new Dictionary<string, string>()).OrderBy(c => c.Key).SequenceEqual(written.OrderBy(c => c.Key)),
                PropagationWait, cancellationToken).ConfigureAwait(false);
        }

        return refused;
    }

    /// <summary>DeleteTopics on the controller.</summary>
    public async Task<DeleteTopicsResponse> DeleteTopicsAsync(ClusterController controller, RequestContext context, DeleteTopicsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteTopicsResponse { Responses = [] };
        var targets = context.ApiVersion >= 6 ? request.Topics.Select(t => (t.Name, t.TopicId)) : request.TopicNames.Select(n => ((string?)n, Guid.Empty));
        foreach (var (name, id) in targets)
        {
            var view = metadata.View;
            var resolved = name ?? view.Topics.FirstOrDefault(t => t.Value.TopicId == id).Key;
            var result = new DeleteTopicsResponse.DeletableTopicResult { Name = resolved ?? name, TopicId = id };
            response.Responses.Add(result);
            if (resolved is null)
            {
                result.ErrorCode = (short)ErrorCode.UnknownTopicId;
                result.ErrorMessage = $"No topic has id {id}.";
                continue;
            }

            if (!Options.DeleteTopicEnable)
            {
                result.ErrorCode = (short)ErrorCode.TopicDeletionDisabled;
                result.ErrorMessage = "Topic deletion is disabled (delete.topic.enable=false).";
                continue;
            }

            if (view.Topics.TryGetValue(resolved, out var known))
            {
                result.TopicId = known.TopicId;
            }

            var outcome = await controller.DeleteTopicAsync(resolved, cancellationToken).ConfigureAwait(false);
            result.ErrorCode = (short)ToErrorCode(outcome.Error);
            result.ErrorMessage = outcome.Message;
            if (outcome.Succeeded)
            {
                await metadata.WaitForAsync(v => !v.Topics.ContainsKey(resolved), PropagationWait, cancellationToken).ConfigureAwait(false);
            }
        }

        return response;
    }

    /// <summary>CreatePartitions on the controller.</summary>
    public async Task<CreatePartitionsResponse> CreatePartitionsAsync(ClusterController controller, CreatePartitionsRequest request, CancellationToken cancellationToken)
    {
        var response = new CreatePartitionsResponse { Results = new(request.Topics.Count) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in request.Topics)
        {
            var result = new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = topic.Name };
            response.Results.Add(result);
            if (!seen.Add(topic.Name))
            {
                result.ErrorCode = (short)ErrorCode.InvalidRequest;
                result.ErrorMessage = $"Topic '{topic.Name}' appears more than once in the request.";
                continue;
            }

            var current = metadata.View.Topics.GetValueOrDefault(topic.Name)?.Replicas.Length ?? 0;
            if (current > 0 && topic.Count - current > Options.MaxPartitionsPerRequest)
            {
                result.ErrorCode = (short)ErrorCode.InvalidPartitions;
                result.ErrorMessage = $"Topic '{topic.Name}' would get {topic.Count - current} new partitions; at most {Options.MaxPartitionsPerRequest} may be created at once (max.partitions.per.request).";
                continue;
            }

            if (request.ValidateOnly)
            {
                if (current == 0 || topic.Count <= current)
                {
                    result.ErrorCode = (short)(current == 0 ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidPartitions);
                    result.ErrorMessage = current == 0 ? $"Topic '{topic.Name}' does not exist." : $"Topic currently has {current} partitions, {topic.Count} would not be an increase.";
                }

                continue;
            }

            var outcome = await controller.CreatePartitionsAsync(topic.Name, topic.Count, topic.Assignments is { Count: > 0 } assignments ? assignments.Select(a => a.BrokerIds.ToArray()).ToList() : null, cancellationToken)
                .ConfigureAwait(false);
            result.ErrorCode = (short)ToErrorCode(outcome.Error);
            result.ErrorMessage = outcome.Message;
            if (outcome.Succeeded)
            {
                await metadata.WaitForAsync(v => v.Topics.TryGetValue(topic.Name, out var t) && t.Replicas.Length >= topic.Count, PropagationWait, cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        return response;
    }
}
