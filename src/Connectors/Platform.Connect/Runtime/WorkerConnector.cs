using Platform.Connect.Connectors;
using Platform.Connect.Plugins;

namespace Platform.Connect.Runtime;

/// <summary>A connector instance this worker runs: started with its config, asked for task configs, stopped; failures are kept for its status.</summary>
internal sealed class WorkerConnector : IConnectorContext
{
    private readonly Action _reconfigure;
    private readonly Action<Exception> _failed;
    private Connector? _connector;

    public WorkerConnector(string name, IReadOnlyDictionary<string, string> config, Type type, IOffsetStorageReader? offsets, Action reconfigure, Action<Exception> failed)
    {
        Name = name;
        Config = config;
        Type = type;
        OffsetStorageReader = offsets;
        _reconfigure = reconfigure;
        _failed = failed;
    }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Config { get; }

    public Type Type { get; }

    public IOffsetStorageReader? OffsetStorageReader { get; }

    /// <summary>The failure that stopped it, or null.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Whether it asked for its task configs to be computed again.</summary>
    public bool ReconfigurationRequested { get; set; }

    /// <summary>The target state it was last put in.</summary>
    public Storage.TargetState AppliedState { get; set; }

    /// <summary>The connector's task type.</summary>
    public Type TaskType => _connector?.TaskType ?? throw new InvalidOperationException($"Connector {Name} is not started.");

    /// <summary>Creates and starts the connector; a failure is kept in <see cref="Failure"/>.</summary>
    public bool Start()
    {
        try
        {
            _connector = PluginRegistry.Create<Connector>(Type);
            _connector.Initialize(this);
            _connector.Start(Config);
            return true;
        }
        catch (Exception e)
        {
            Failure = e;
            return false;
        }
    }

    /// <summary>The task configurations for at most <c>tasks.max</c> tasks; null after a failure (kept in <see cref="Failure"/>).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>>? TaskConfigs(int maxTasks)
    {
        try
        {
            return _connector!.TaskConfigs(maxTasks);
        }
        catch (Exception e)
        {
            Failure = e;
            return null;
        }
    }

    public void Stop()
    {
        try
        {
            _connector?.Stop();
        }
        finally
        {
            _connector = null;
        }
    }

    public void RequestTaskReconfiguration()
    {
        ReconfigurationRequested = true;
        _reconfigure();
    }

    public void RaiseError(Exception exception)
    {
        Failure = exception;
        _failed(exception);
    }
}
