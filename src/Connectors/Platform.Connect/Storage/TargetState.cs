namespace Platform.Connect.Storage;

/// <summary>What a connector should be doing, as set through the REST API (Kafka's target states).</summary>
public enum TargetState
{
    /// <summary>Running.</summary>
    Started,

    /// <summary>Tasks kept but not polling or putting.</summary>
    Paused,

    /// <summary>Connector and tasks shut down; offsets may be altered.</summary>
    Stopped,
}
