namespace Platform.Streams.Errors;

/// <summary>What to do with a record the producer could not deliver.</summary>
public enum ProductionExceptionHandlerResponse
{
    /// <summary>Drop the record and go on.</summary>
    Continue,

    /// <summary>Stop the thread (the uncaught exception handler decides what follows).</summary>
    Fail,
}
