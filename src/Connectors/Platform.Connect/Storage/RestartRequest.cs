namespace Platform.Connect.Storage;

/// <summary>A restart asked for through the REST API, delivered to every worker through the configs topic.</summary>
/// <param name="Connector">The connector.</param>
/// <param name="TaskId">One task to restart, or null for the connector (and maybe its tasks).</param>
/// <param name="IncludeTasks">Restart the tasks too.</param>
/// <param name="OnlyFailed">Restart only what is FAILED.</param>
public sealed record RestartRequest(string Connector, int? TaskId, bool IncludeTasks, bool OnlyFailed);
