namespace Platform.Streams.Errors;

/// <summary>What to do with a record whose key or value cannot be deserialized.</summary>
public enum DeserializationHandlerResponse
{
    /// <summary>Skip the record and go on (it still counts as consumed).</summary>
    Continue,

    /// <summary>Stop processing: the task fails with the exception.</summary>
    Fail,
}
