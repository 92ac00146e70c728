namespace Platform.Connect.Connectors;

/// <summary>A unit of a connector's work; the runtime runs each on its own loop.</summary>
public abstract class ConnectTask
{
    /// <summary>The task's version.</summary>
    public virtual string Version => GetType().Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Starts with one of the connector's task configurations.</summary>
    public abstract Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default);

    /// <summary>Stops: release resources. Called once, after the last poll or put has returned.</summary>
    public abstract Task StopAsync(CancellationToken cancellationToken = default);
}
