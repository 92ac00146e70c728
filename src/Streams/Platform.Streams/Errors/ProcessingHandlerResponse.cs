namespace Platform.Streams.Errors;

/// <summary>What to do when a processor throws.</summary>
public enum ProcessingHandlerResponse
{
    /// <summary>Drop the record at that processor and go on with the next one.</summary>
    Continue,

    /// <summary>Stop processing: the task fails with the exception.</summary>
    Fail,
}
