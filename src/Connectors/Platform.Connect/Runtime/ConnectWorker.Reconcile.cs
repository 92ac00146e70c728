using Microsoft.Extensions.Logging;
using Platform.Connect.Connectors;
using Platform.Connect.Plugins;
using Platform.Connect.Storage;

namespace Platform.Connect.Runtime;

public sealed partial class ConnectWorker
{
    /// <summary>Makes what runs here match the configs and the assignment: restarts first, then connectors, then tasks.</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var snapshot = _configs!.Snapshot();
        var assignment = Assignment;
        await HandleRestartsAsync().ConfigureAwait(false);

        // Connectors.
        foreach (var (name, running) in _connectors.ToList())
        {
            var wanted = snapshot.GetValueOrDefault(name);
            if (wanted is null || !assignment.IsMine(name, null) || wanted.TargetState == TargetState.Stopped || !SameConfig(wanted.Properties, running.Config))
            {
                StopConnector(running);
                _connectors.Remove(name);
            }
        }

        foreach (var (name, state) in snapshot)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // The worker is stopping: start nothing more (a task starting now would hold the stop up in its group join).
                return;
            }

            if (!assignment.IsMine(name, null))
            {
                continue;
            }

            if (state.TargetState == TargetState.Stopped)
            {
                await ApplyStoppedAsync(state, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!_connectors.TryGetValue(name, out var connector))
            {
                connector = await StartConnectorAsync(state).ConfigureAwait(false);
                if (connector is null)
                {
                    continue;
                }
            }

            if (connector.Failure is not null)
            {
                continue;
            }

            if (connector.AppliedState != state.TargetState)
            {
                connector.AppliedState = state.TargetState;
                await ReportStatusAsync(name, null, state.TargetState == TargetState.Paused ? "PAUSED" : "RUNNING", null).ConfigureAwait(false);
            }

            if (connector.ReconfigurationRequested || connector.AppliedState == TargetState.Started && state.TaskConfigs.Count == 0)
            {
                connector.ReconfigurationRequested = false;
                await UpdateTaskConfigsAsync(connector, state, cancellationToken).ConfigureAwait(false);
            }
        }

        await ReconcileTasksAsync(snapshot, assignment, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReconcileTasksAsync(IReadOnlyDictionary<string, ConnectorConfigState> snapshot, Cluster.ClusterAssignment assignment, CancellationToken cancellationToken)
    {
        foreach (var (id, task) in _tasks.ToList())
        {
            var state = snapshot.GetValueOrDefault(id.Connector);
            var keep = state is not null && state.TargetState != TargetState.Stopped && id.Task < state.TaskConfigs.Count
                && assignment.IsMine(id.Connector, id.Task)
                && SameConfig(state.TaskConfigs[id.Task], task.TaskConfig) && SameConfig(state.Properties, task.ConnectorConfig);
            if (!keep)
            {
                _logger.LogStoppingTask(id.Connector, id.Task);
                _tasks.Remove(id);
                await task.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var (name, state) in snapshot)
        {
            if (state.TargetState == TargetState.Stopped)
            {
                continue;
            }

            for (var i = 0; i < state.TaskConfigs.Count; i++)
            {
                var id = new ConnectorTaskId(name, i);
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                if (!assignment.IsMine(name, i))
                {
                    continue;
                }

                if (_tasks.TryGetValue(id, out var running))
                {
                    if (state.TargetState == TargetState.Paused)
                    {
                        await running.PauseAsync().ConfigureAwait(false);
                    }
                    else
                    {
                        await running.ResumeAsync().ConfigureAwait(false);
                    }

                    continue;
                }

                if (await CreateTaskAsync(id, state).ConfigureAwait(false) is { } task)
                {
                    _tasks[id] = task;
                    task.Start(paused: state.TargetState == TargetState.Paused);
                }
            }
        }
    }

    private async Task<WorkerTask?> CreateTaskAsync(ConnectorTaskId id, ConnectorConfigState state)
    {
        _logger.LogStartingTask(id.Connector, id.Task);
        try
        {
            var type = _plugins.ResolveConnector(state.Properties.GetValueOrDefault(ConnectorConfig.ConnectorClass, ""));
            var connector = PluginRegistry.Create<Connector>(type);
            var taskInstance = PluginRegistry.Create<object>(connector.TaskType);
            var taskConfig = state.TaskConfigs[id.Task];
            return taskInstance switch
            {
                SourceTask source => new WorkerSourceTask(id, state.Properties, taskConfig, _services!, source,
                    string.Equals(state.Properties.GetValueOrDefault(ConnectorConfig.ExactlyOnceSupport), "required", StringComparison.OrdinalIgnoreCase)),
                SinkTask sink => new WorkerSinkTask(id, state.Properties, taskConfig, _services!, sink),
                _ => throw new ConnectException($"Task class {connector.TaskType} is neither a SourceTask nor a SinkTask."),
            };
        }
        catch (Exception e)
        {
            _logger.LogTaskFailed(e, id.Connector, id.Task);
            await ReportStatusAsync(id.Connector, id.Task, "FAILED", e).ConfigureAwait(false);
            return null;
        }
    }

    private async Task<WorkerConnector?> StartConnectorAsync(ConnectorConfigState state)
    {
        _logger.LogStartingConnector(state.Name);
        Type type;
        try
        {
            type = _plugins.ResolveConnector(state.Properties.GetValueOrDefault(ConnectorConfig.ConnectorClass, ""));
        }
        catch (Config.ConfigException e)
        {
            await ReportStatusAsync(state.Name, null, "FAILED", e).ConfigureAwait(false);
            return null;
        }

        var connector = new WorkerConnector(
            state.Name,
            state.Properties,
            type,
            type.IsSubclassOf(typeof(SourceConnector)) ? _offsets!.ReaderFor(state.Name) : null,
            Wake,
            e =>
            {
                _logger.LogConnectorFailed(e, state.Name);
                _ = ReportStatusAsync(state.Name, null, "FAILED", e);
            });
        _connectors[state.Name] = connector;
        connector.AppliedState = state.TargetState;
        if (!connector.Start())
        {
            _logger.LogConnectorFailed(connector.Failure!, state.Name);
            await ReportStatusAsync(state.Name, null, "FAILED", connector.Failure).ConfigureAwait(false);
            return connector;
        }

        await ReportStatusAsync(state.Name, null, state.TargetState == TargetState.Paused ? "PAUSED" : "RUNNING", null).ConfigureAwait(false);
        await UpdateTaskConfigsAsync(connector, state, CancellationToken.None).ConfigureAwait(false);
        return connector;
    }

    /// <summary>Asks the connector for its task configs and stores them when they changed (every worker's tasks follow the store).</summary>
    private async Task UpdateTaskConfigsAsync(WorkerConnector connector, ConnectorConfigState state, CancellationToken cancellationToken)
    {
        var maxTasks = int.TryParse(state.Properties.GetValueOrDefault(ConnectorConfig.TasksMax, "1"), out var m) && m > 0 ? m : 1;
        var configs = connector.TaskConfigs(maxTasks);
        if (configs is null)
        {
            _logger.LogConnectorFailed(connector.Failure!, state.Name);
            await ReportStatusAsync(state.Name, null, "FAILED", connector.Failure).ConfigureAwait(false);
            return;
        }

        configs = [.. configs.Take(maxTasks)];
        if (configs.Count == state.TaskConfigs.Count && configs.Zip(state.TaskConfigs).All(p => SameConfig(p.First, p.Second)))
        {
            return;
        }

        await _configs!.PutTaskConfigsAsync(state.Name, configs, cancellationToken).ConfigureAwait(false);
        foreach (var stale in _statuses!.Tasks(state.Name).Keys.Where(id => id >= configs.Count))
        {
            await _statuses.PutTaskAsync(state.Name, stale, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A stopped connector: no instance, no task configs (so every worker stops its tasks), status STOPPED.</summary>
    private async Task ApplyStoppedAsync(ConnectorConfigState state, CancellationToken cancellationToken)
    {
        if (state.TaskConfigs.Count > 0)
        {
            await _configs!.PutTaskConfigsAsync(state.Name, [], cancellationToken).ConfigureAwait(false);
        }

        foreach (var stale in _statuses!.Tasks(state.Name).Keys)
        {
            await _statuses.PutTaskAsync(state.Name, stale, null, cancellationToken).ConfigureAwait(false);
        }

        if (_statuses.Connector(state.Name) is not { State: "STOPPED" } current || current.WorkerId != _workerId)
        {
            await ReportStatusAsync(state.Name, null, "STOPPED", null).ConfigureAwait(false);
        }
    }

    private async Task HandleRestartsAsync()
    {
        while (_restarts.TryDequeue(out var request))
        {
            if (request.TaskId is { } taskId)
            {
                await RestartTaskAsync(new ConnectorTaskId(request.Connector, taskId)).ConfigureAwait(false);
                continue;
            }

            if (_connectors.TryGetValue(request.Connector, out var connector) && (!request.OnlyFailed || connector.Failure is not null))
            {
                StopConnector(connector);
                _connectors.Remove(request.Connector);
            }

            if (request.IncludeTasks)
            {
                foreach (var (id, task) in _tasks.Where(t => t.Key.Connector == request.Connector).ToList())
                {
                    if (!request.OnlyFailed || task.Failed)
                    {
                        await RestartTaskAsync(id).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private async Task RestartTaskAsync(ConnectorTaskId id)
    {
        if (_tasks.Remove(id, out var task))
        {
            await task.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void StopConnector(WorkerConnector connector)
    {
        _logger.LogStoppingConnector(connector.Name);
        try
        {
            connector.Stop();
        }
        catch (Exception e)
        {
            _logger.LogConnectorFailed(e, connector.Name);
        }
    }

    private static bool SameConfig(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
        => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
