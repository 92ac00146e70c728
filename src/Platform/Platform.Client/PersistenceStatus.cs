namespace Platform.Client;

/// <summary>Whether a produced record is known to be in the log.</summary>
public enum PersistenceStatus
{
    /// <summary>The record was never acknowledged and certainly not written.</summary>
    NotPersisted = 0,

    /// <summary>The record may have been written (e.g. the request was sent but the answer was lost, or acks=0).</summary>
    PossiblyPersisted = 1,

    /// <summary>The broker acknowledged the record.</summary>
    Persisted = 2,
}
