namespace Platform.Connect.Storage;

/// <summary>The state of a connector or task as a worker reported it (Kafka's status record).</summary>
/// <param name="State">UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED or RESTARTING.</param>
/// <param name="WorkerId">The worker running it.</param>
/// <param name="Trace">The failure's stack trace when FAILED.</param>
/// <param name="Generation">The group generation it was reported in.</param>
public sealed record ConnectorStatus(string State, string WorkerId, string? Trace, int Generation);
